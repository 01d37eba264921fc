#!/usr/bin/env python3
"""The floor under a production host-add: one RPC round trip through RabbitMQ, with nothing
done at the far end. A raw AMQP request/reply (py-amqp: publish to a queue, the server
answers to the client's reply queue) against an oslo.messaging `call` of a method that returns
its argument (client and server in this one process, the threading executor, as the
conductor runs). The host-add benchmark's production figure includes one such call on top of
the API's and the conductor's own work. Prints JSON.

Usage: python benchmarks/rpc_floor.py [--calls N]
"""

import argparse
import json
import os
import platform
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import amqp  # noqa: E402
import oslo_messaging as messaging  # noqa: E402
from oslo_config import cfg  # noqa: E402

from tests.servers.rabbitmq import RabbitServer  # noqa: E402

WARM_UP = 50


def _median_call(fn, calls):
    times = []
    for i in range(WARM_UP + calls):
        t0 = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - t0)
    return statistics.median(times[WARM_UP:])


def raw_amqp(port, calls):
    def serve():
        conn = amqp.Connection("127.0.0.1:%d" % port)
        conn.connect()
        ch = conn.channel()
        ch.queue_declare("raw-floor", auto_delete=True)
        ch.basic_consume("raw-floor", no_ack=True, callback=lambda m: ch.basic_publish(
            amqp.Message(m.body, correlation_id=m.correlation_id), exchange="",
            routing_key=m.reply_to))
        ready.set()
        try:
            while True:
                conn.drain_events()
        except (OSError, amqp.exceptions.AMQPError):
            return  # the broker stopped at the end of the run

    ready = threading.Event()
    threading.Thread(target=serve, daemon=True).start()
    ready.wait(30)
    conn = amqp.Connection("127.0.0.1:%d" % port)
    conn.connect()
    ch = conn.channel()
    reply_q, _, _ = ch.queue_declare("", exclusive=True)
    got = []
    ch.basic_consume(reply_q, no_ack=True, callback=got.append)

    def call(i):
        message = amqp.Message(json.dumps({"i": i}), reply_to=reply_q, correlation_id=str(i))
        ch.basic_publish(message, exchange="", routing_key="raw-floor")
        while not got:
            conn.drain_events(timeout=10)
        got.clear()

    return _median_call(call, calls)


class _Echo:
    target = messaging.Target(version="1.0")

    def echo(self, context, value):
        return value


def oslo_call(url, calls):
    cfg.CONF([], project="rpc-floor", default_config_files=[])
    transport = messaging.get_rpc_transport(cfg.CONF, url=url)
    server = messaging.get_rpc_server(transport, messaging.Target(topic="floor", server="s"),
                                      [_Echo()], executor="threading")
    server.start()
    try:
        client = messaging.get_rpc_client(transport, messaging.Target(topic="floor",
                                                                      version="1.0"))
        return _median_call(lambda i: client.call({}, "echo", value={"i": i}), calls)
    finally:
        server.stop()
        server.wait()
        transport.cleanup()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300, help="round trips per method")
    args = parser.parse_args()
    rabbit = RabbitServer().start()
    try:
        raw = raw_amqp(rabbit.port, args.calls)
        oslo = oslo_call(rabbit.url, args.calls)
    finally:
        rabbit.close()
    print(json.dumps({
        "benchmark": "rpc_round_trip_floor",
        "calls": args.calls,
        "oslo_messaging_call_s": oslo,
        "raw_amqp_round_trip_s": raw,
        "ratio": oslo / raw,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
    }, indent=2))


if __name__ == "__main__":
    main()
