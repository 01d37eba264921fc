"""oslo.messaging transport set-up (global cfg.CONF only: oslo.messaging needs it)."""

import threading

import oslo_messaging as messaging

from sysinv_edgeworker.conf import CONF, register_messaging_opts

register_messaging_opts()

ALLOWED_EXMODS = ["sysinv_edgeworker.common.exception"]
_TRANSPORT = None


def get_transport():
    global _TRANSPORT
    if _TRANSPORT is None:
        _TRANSPORT = messaging.get_rpc_transport(CONF, allowed_remote_exmods=ALLOWED_EXMODS)
    return _TRANSPORT


_REPLY_READY = threading.Event()
_REPLY_LOCK = threading.Lock()
_REPLY_THREAD = None


def ensure_reply_queue(timeout):
    """Wait at most ``timeout`` seconds for the client's reply queue.

    oslo.messaging's AMQP driver creates the reply queue of the first call() with unbounded
    reconnects, ignoring the call's timeout and retry, so a broker that is down when the
    API makes its first call would hang the request. The queue is set up here in a
    background thread instead; nothing is sent from it, so giving up waiting loses nothing.
    """
    global _REPLY_THREAD
    driver = getattr(get_transport(), "_driver", None)
    if _REPLY_READY.is_set() or not hasattr(driver, "_get_reply_q"):
        return True
    with _REPLY_LOCK:
        if _REPLY_THREAD is None or not _REPLY_THREAD.is_alive():
            def _create():
                driver._get_reply_q()
                _REPLY_READY.set()
            _REPLY_THREAD = threading.Thread(target=_create, name="rpc-reply-queue",
                                             daemon=True)
            _REPLY_THREAD.start()
    return _REPLY_READY.wait(timeout)


def cleanup():
    global _TRANSPORT
    _REPLY_READY.clear()
    if _TRANSPORT is not None:
        _TRANSPORT.cleanup()
        _TRANSPORT = None


def get_server(target, endpoints):
    return messaging.get_rpc_server(get_transport(), target, endpoints, executor="threading",
                                    access_policy=messaging.DefaultRPCAccessPolicy)
