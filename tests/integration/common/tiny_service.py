"""A tiny service built only from the kit, run as a process by test_grpc_server.py.

Its Ping sleeps for `slow:<seconds>` nonces (to test the drain on SIGTERM) and fails on
`fail:invalid` / `fail:bug` (to test error mapping). Health turns NOT_SERVING while the file
named by TINY_UNHEALTHY_FLAG exists. Its Kafka broker (TINY_KAFKA) is unreachable, as
the services register that check, so the service runs degraded but SERVING.
"""

from __future__ import annotations

import os
import time

import grpc

from linli.common.config import ServiceConfig
from linli.common.errors import InvalidArgument
from linli.common.grpc_server import DiagnosticsServicer
from linli.common.kafka_io import broker_reachable
from linli.common.logs import configure_logging
from linli.common.runtime import ServiceRuntime
from linli.v1 import diagnostics_pb2


class SlowDiagnostics(DiagnosticsServicer):
    def Ping(self, request: diagnostics_pb2.PingRequest, context: grpc.ServicerContext) -> diagnostics_pb2.PingResponse:
        if request.nonce.startswith("slow:"):
            time.sleep(float(request.nonce.removeprefix("slow:")))
        if request.nonce == "fail:invalid":
            raise InvalidArgument("nonce must not say fail", field="nonce")
        if request.nonce == "fail:bug":
            raise ZeroDivisionError("secret internals")
        return super().Ping(request, context)


def main() -> None:
    config = ServiceConfig.from_env()
    configure_logging(config.service_name, config.log_level)
    runtime = ServiceRuntime(config, diagnostics=SlowDiagnostics(config.service_name, config.service_version))
    flag = os.environ["TINY_UNHEALTHY_FLAG"]
    runtime.add_health_check("flag", lambda: not os.path.exists(flag))
    kafka = os.environ["TINY_KAFKA"]
    runtime.add_health_check("kafka", lambda: broker_reachable(kafka, timeout=0.2))
    runtime.run_until_signalled()


if __name__ == "__main__":
    main()
