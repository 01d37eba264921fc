"""Real servers for the tests and benchmarks: PostgreSQL and RabbitMQ, each started on
loopback as its unprivileged system user, waited for, and stopped by PID."""
