"""dvemu errors: the one exception type that carries a Dataverse error to the HTTP layer.

Owns: DvError (HTTP status + Dataverse hex code + message) and the constructors for the
errors whose exact text other modules share.

Source for the envelope {"error":{"code":"0x...","message":"..."}} and the status map:
https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors
and /work/shared/dataverse-spec.md section 12.
"""


class DvError(Exception):
    """An error answered as {"error":{"code":..,"message":..}} with an HTTP status."""

    def __init__(self, status, code, message, headers=None, api_name=None):
        Exception.__init__(self, message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        self.api_name = api_name

    def body(self, annotations=False):
        err = {"code": self.code, "message": self.message}
        if annotations:
            # Source: spec section 12 (extra keys with odata.include-annotations="*").
            err["@Microsoft.PowerApps.CDS.ErrorDetails.ApiExceptionHttpStatusCode"] = str(self.status)
            if self.api_name:
                err["@Microsoft.PowerApps.CDS.ErrorDetails.ApiExceptionMessageName"] = self.api_name
            err["@Microsoft.PowerApps.CDS.HelpLink"] = (
                "http://go.microsoft.com/fwlink/?LinkID=398563&error=Microsoft.Crm.CrmException%3a"
                + self.code[2:].lower() + "&client=platform")
        return {"error": err}


# Source: spec section 12: "0x80060888 query/URL parse" (HTTP 400).
def bad_query(message):
    return DvError(400, "0x80060888", message)


def unknown_property(name, type_name):
    # Source: spec section 12 text for an unknown column.
    return DvError(400, "0x80060888",
                   "Could not find a property named '%s' on type 'Microsoft.Dynamics.CRM.%s'."
                   % (name, type_name))


def segment_not_found(segment):
    # Source: spec section 12: unknown entity set/function -> 404 0x80060888.
    return DvError(404, "0x80060888", "Resource not found for the segment '%s'." % segment)


def record_not_found(entity, rid):
    # Source: spec section 7 (current text "Entity 'account' With Id = <id> Does Not Exist").
    return DvError(404, "0x80040217", "Entity '%s' With Id = %s Does Not Exist" % (entity, rid),
                   api_name="ObjectDoesNotExist")
