/* test_auth_cert.c - the certificate credential (AzureServicePrincipal with
 * OAuthJWTCert) against the emulator: throwaway certificates made with the
 * openssl CLI and registered with the emulator; RS256 + x5t and PS256 +
 * x5t#S256 assertions from a PEM file, an encrypted PEM key and a PKCS#12
 * file; the assertion's header and claims; the rejections' messages. */
#include "test_auth_common.h"
#include "auth/auth_priv.h"

#include <openssl/evp.h>
#include <unistd.h>

#define RS_PREFIX "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"x5t\":\""
#define PS_PREFIX "{\"alg\":\"PS256\",\"typ\":\"JWT\",\"x5t#S256\":\""

static char dir[300];

static int run(const char *cmd)
{
	char full[2048];
	snprintf(full, sizeof(full), "cd '%s' && { %s; } >/dev/null 2>&1", dir, cmd);
	return system(full);
}

/* Registers the certificate in dir/name with the emulator. */
static int register_cert(const char *name)
{
	char path[400], *pem, *p;
	struct dv_buf json;
	int status;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	pem = read_file(path);
	if (!pem)
		return -1;
	dv_buf_init(&json, 0);
	dv_buf_appends(&json, "{\"pem\":\"");
	for (p = pem; *p; p++)
		dv_buf_appends(&json, *p == '\n' ? "\\n" : (char[2]){*p, 0});
	dv_buf_appends(&json, "\"}");
	status = emu_post(&emu, "/_emu/identity/certs", dv_buf_str(&json));
	dv_buf_free(&json);
	free(pem);
	return status == 200 ? 0 : -1;
}

/* Decodes the base64url part `index` (0 header, 1 claims) of a JWT. */
static char *jwt_part(const char *jwt, int index)
{
	const char *p = jwt, *end;
	char b64[4096];
	unsigned char out[4096];
	size_t n = 0;
	int len;
	for (int i = 0; i < index && p; i++)
		p = strchr(p, '.') ? strchr(p, '.') + 1 : NULL;
	if (!p)
		return NULL;
	end = strchr(p, '.');
	for (; p < end && n < sizeof(b64) - 4; p++)
		b64[n++] = *p == '-' ? '+' : *p == '_' ? '/' : *p;
	while (n % 4)
		b64[n++] = '=';
	len = EVP_DecodeBlock(out, (unsigned char *)b64, (int)n);
	if (len < 0)
		return NULL;
	return strndup((char *)out, (size_t)len);
}

static void test_assertion_shape(void)
{
	struct client c;
	struct dv_error e;
	char cs[1024], *jwt = NULL, *header, *claims, want[512];

	snprintf(cs, sizeof(cs), "AuthScheme=AzureServicePrincipal;OAuthJWTCert=%s/cert.pem",
		 dir);
	is_int(client_open(&c, cs, &e), 0, "shape: client opens");
	is_int(dv_auth_cert_assertion(c.auth, &jwt, &e), 0, "shape: assertion built");
	header = jwt ? jwt_part(jwt, 0) : NULL;
	claims = jwt ? jwt_part(jwt, 1) : NULL;
	ok(header && strncmp(header, RS_PREFIX, strlen(RS_PREFIX)) == 0 &&
	   strlen(header) == strlen(RS_PREFIX) + 27 + 2, "shape: RS256 header with a 27-char x5t: %s",
	   header ? header : "-");
	snprintf(want, sizeof(want), "{\"aud\":\"%s/%s/oauth2/v2.0/token\",\"iss\":\"%s\",\"sub\":"
		 "\"%s\",\"jti\":\"", emu.url, EMU_TENANT, EMU_CLIENT_ID, EMU_CLIENT_ID);
	ok(claims && strncmp(claims, want, strlen(want)) == 0, "shape: aud, iss, sub, jti: %s",
	   claims ? claims : "-");
	ok(claims && strstr(claims, "\"nbf\":") && strstr(claims, "\"exp\":"),
	   "shape: nbf and exp");
	free(header);
	free(claims);
	dv_auth_free_secret(jwt);
	client_close(&c);

	snprintf(cs, sizeof(cs), "AuthScheme=AzureServicePrincipal;OAuthJWTAlgorithm=PS256;"
		 "OAuthJWTCert=%s/cert.pem", dir);
	client_open(&c, cs, &e);
	jwt = NULL;
	dv_auth_cert_assertion(c.auth, &jwt, &e);
	header = jwt ? jwt_part(jwt, 0) : NULL;
	ok(header && strncmp(header, PS_PREFIX, strlen(PS_PREFIX)) == 0 &&
	   strlen(header) == strlen(PS_PREFIX) + 43 + 2, "shape: PS256 header with x5t#S256: %s",
	   header ? header : "-");
	free(header);
	dv_auth_free_secret(jwt);
	client_close(&c);
}

struct cert_case {
	const char *name;
	const char *keys; /* after AuthScheme=AzureServicePrincipal; */
	const char *file; /* OAuthJWTCert, in dir */
	int rc;
	const char *state;
	const char *message_start;
};

static const struct cert_case cases[] = {
	{"PEM, RS256", "", "cert.pem", 0, "00000", NULL},
	{"PEM, PS256", "OAuthJWTAlgorithm=PS256", "cert.pem", 0, "00000", NULL},
	{"encrypted PEM key", "OAuthJWTCertPassword=pem-pw", "enc.pem", 0, "00000",
	 NULL},
	{"PKCS#12", "OAuthJWTCertType=PFXFILE;OAuthJWTCertPassword=pfx-pw", "c.pfx",
	 0, "00000", NULL},
	{"PKCS#12, wrong password", "OAuthJWTCertType=PFXFILE;OAuthJWTCertPassword=nope;"
	 "", "c.pfx", -1, "28000", "cannot decrypt the PKCS#12 file from OAuthJWTCert="},
	{"encrypted PEM, no password", "", "enc.pem", -1, "28000",
	 "cannot read the private key from OAuthJWTCert="},
	{"missing file", "", "none.pem", -1, "28000", "cannot open OAuthJWTCert="},
	{"certificate not uploaded", "", "other.pem", -1, "28000",
	 "the certificate assertion was rejected: upload the certificate of OAuthJWTCert to the "
	 "app registration 11111111-1111-1111-1111-111111111111 (Certificates & secrets) and "
	 "check that OAuthJWTCert holds its private key (AADSTS700027)"},
};

static void test_cases(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct cert_case *t = &cases[i];
		struct client c;
		struct dv_error e;
		const char *tok;
		char keys[600], cs[1024];
		int rc;

		memset(&e, 0, sizeof(e));
		emu_reset(&emu);
		register_cert("cert.pem");
		snprintf(keys, sizeof(keys), "%s;OAuthJWTCert=%s/%s", t->keys, dir, t->file);
		snprintf(cs, sizeof(cs), "AuthScheme=AzureServicePrincipal;%s", keys);
		if (client_open(&c, cs, &e) != 0) {
			ok(0, "%s: client opens: %s", t->name, e.message);
			continue;
		}
		rc = dv_auth_token(c.auth, c.http, 0, &tok, &e);
		is_int(rc, t->rc, "%s: token result", t->name);
		if (rc == 0)
			is_int(whoami_status(&c), 200, "%s: the token works", t->name);
		else
			is_str(dv_sqlstate_code(e.state), t->state, "%s: SQLSTATE", t->name);
		if (t->message_start)
			ok(strncmp(e.message, t->message_start, strlen(t->message_start)) == 0,
			   "%s: message: %s", t->name, e.message);
		ok(!strstr(e.message, "pfx-pw") && !strstr(e.message, "pem-pw"),
		   "%s: no password in the message", t->name);
		client_close(&c);
	}
}

int main(void)
{
	if (access("/usr/bin/openssl", X_OK) != 0) {
		printf("ok 1 - certificate flow # SKIP openssl CLI not installed\n1..1\n");
		return 0;
	}
	if (emu_start(&emu, "--rows 5 --seed 1") != 0) {
		ok(0, "emulator starts");
		return tap_done();
	}
	snprintf(dir, sizeof(dir), "%s", emu.dir);
	ok(run("openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out crt.pem -days 2 "
	       "-subj /CN=dvodbc-test && cat crt.pem key.pem > cert.pem && "
	       "openssl pkcs12 -export -in crt.pem -inkey key.pem -out c.pfx -passout pass:pfx-pw "
	       "&& openssl pkey -in key.pem -aes256 -passout pass:pem-pw -out enckey.pem && "
	       "cat crt.pem enckey.pem > enc.pem && "
	       "openssl req -x509 -newkey rsa:2048 -nodes -keyout k2.pem -out c2.pem -days 2 "
	       "-subj /CN=other && cat c2.pem k2.pem > other.pem") == 0,
	   "throwaway certificates made");
	is_int(register_cert("cert.pem"), 0, "certificate registered");
	test_assertion_shape();
	test_cases();
	emu_stop(&emu);
	curl_global_cleanup();
	return tap_done();
}
