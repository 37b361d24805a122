"""dvemu $batch: NOT IMPLEMENTED YET (answers 501 in the service's error shape).

Owns: POST /api/data/v9.2/$batch. Planned per spec section 9 / execute-batch-operations-using-web-api:
tolerant multipart parser, atomic change sets, Content-ID references, continue-on-error, 1000 limit.
"""

from .errors import DvError


def handle(handler, app, req, body):
    raise DvError(501, "0x80040216", "dvemu: $batch is not implemented yet.")
