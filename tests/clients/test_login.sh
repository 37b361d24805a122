#!/bin/bash
# tests/clients/test_login.sh - the scheduled-job setup end to end: dvodbc-login
# signs a DSN in once through the browser flow (a scripted browser completes
# the emulator's sign-in page), then isql uses the same DSN with
# InitiateOAuth=REFRESH and never opens a browser; CallerId impersonation
# reaches every Web API request as MSCRMCallerID.
. "$top_srcdir/tests/clients/lib.sh"
start_emu --rows 20 --seed 1
cache="$T/tokens.json"
write_ini "
[dvuser]
Driver = dvodbc
URL = $EMU_URL
AzureAuthorityHost = $EMU_URL
AzureTenant = 00000000-0000-0000-0000-00000000aaaa
OAuthClientId = 11111111-1111-1111-1111-111111111111
AuthScheme = AzureAD
OAuthGrantType = CODE
CallbackURL = http://localhost:0/
OAuthSettingsLocation = $cache
OAuthBrowser = /usr/bin/python3 $top_srcdir/tests/auth/fake-browser.py

[dvjob]
Driver = dvodbc
URL = $EMU_URL
AzureAuthorityHost = $EMU_URL
AzureTenant = 00000000-0000-0000-0000-00000000aaaa
OAuthClientId = 11111111-1111-1111-1111-111111111111
AuthScheme = AzureAD
OAuthGrantType = CODE
InitiateOAuth = REFRESH
OAuthSettingsLocation = $cache

[dvcaller]
Driver = dvodbc
URL = $EMU_URL
AuthScheme = AzureServicePrincipal
AzureTenant = 00000000-0000-0000-0000-00000000aaaa
OAuthClientId = 11111111-1111-1111-1111-111111111111
OAuthClientSecret = dvemu-secret
AzureAuthorityHost = $EMU_URL
CallerId = 0a0a0a0a-0000-4000-8000-000000000001
"
# REFRESH without a stored token: a clear error, no browser.
out=$(echo "SELECT name FROM account WHERE accountnumber = 'A-000001'" | isql -b -v -3 dvjob 2>&1)
like "$out" '\[28000\].*\[dvodbc\]InitiateOAuth=REFRESH but no refresh token.*run dvodbc-login' "REFRESH with nothing stored says to run dvodbc-login"
is "$(emu_requests | grep -c '/authorize')" "0" "and opened no browser"

emu_reset
timeout 120 "$top_builddir/odbcinst/dvodbc-login" dvuser > "$T/login.out" 2>&1
is "$?" "0" "dvodbc-login dvuser signs in"
is "$(stat -c %a "$cache" 2>/dev/null)" "600" "token cache written with mode 0600"
like "$(emu_requests | tr '\n' ' ')" 'GET /00000000-0000-0000-0000-00000000aaaa/oauth2/v2.0/authorize\?.*POST /00000000-0000-0000-0000-00000000aaaa/oauth2/v2.0/token' \
"the browser completed the sign-in page and the code was exchanged"
if grep -Eq 'eyJ|refresh_token|code_verifier' "$T/login.out"; then leak=yes; else leak=no; fi
is "$leak" "no" "dvodbc-login prints no token, code or verifier"

emu_reset
is "$(echo "SELECT name FROM account WHERE accountnumber = 'A-000001'" | isql -b -c -d'|' -3 dvjob 2>&1)" \
"name
Alpine Ski GmbH 1" "the job DSN (InitiateOAuth=REFRESH) queries with the stored tokens"
is "$(emu_requests | grep -c '/authorize')" "0" "the job never opened a browser"

emu_reset
echo "SELECT name FROM account WHERE accountnumber = 'A-000001'" | isql -b -3 dvcaller >/dev/null 2>&1
callers=$("$PYTHON3" - "$EMU_URL" <<'PY'
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1] + "/_emu/requests") as r:
    reqs = [q for q in json.load(r) if q["url"].startswith("/api/data/")]
print(len(reqs), sorted({q["headers"].get("mscrmcallerid", "-") for q in reqs}))
PY
)
like "$callers" "^[1-9][0-9]* \['0a0a0a0a-0000-4000-8000-000000000001'\]$" \
"CallerId goes as MSCRMCallerID on every Web API request"
done_testing
