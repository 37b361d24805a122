"""dvemu ?fetchXml=: NOT IMPLEMENTED YET (answers 501 in the service's error shape).

Owns: GET <entityset>?fetchXml=. Planned per spec section 6 / fetchxml docs.
"""

from .errors import DvError


def handle(app, req, entity, opts, prefer):
    raise DvError(501, "0x80040216", "dvemu: fetchXml queries are not implemented yet.")
