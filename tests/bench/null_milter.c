/*
 * null_milter - the floor of tests/bench/postfix_bench: a milter that
 * negotiates the same protocol steps as dlp-milter (the same steps
 * turned off, the same no-reply steps, the same actions), takes every
 * header and body chunk, and accepts each message at its end without
 * looking at it. Linked like dlp-milter (libmilter.a, tcp_tune.c's
 * TCP_NODELAY/TCP_QUICKACK), so what it costs Postfix is what any milter
 * costs; what dlp-milter costs beyond it is its own.
 *
 * Usage: null-milter SOCKET   (e.g. inet:10025@127.0.0.1); SIGTERM stops.
 * It owns no state: each callback returns at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmilter/mfapi.h>

static sfsistat
nm_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
    unsigned long f3, unsigned long *pf0, unsigned long *pf1,
    unsigned long *pf2, unsigned long *pf3)
{
	const unsigned long off = SMFIP_NOHELO | SMFIP_NOUNKNOWN | SMFIP_NODATA;
	const unsigned long nr = SMFIP_NR_CONN | SMFIP_NR_MAIL | SMFIP_NR_RCPT |
	    SMFIP_NR_HDR | SMFIP_NR_BODY;

	*pf0 = f0 & (SMFIF_ADDHDRS | SMFIF_QUARANTINE);
	*pf1 = f1 & (off | nr);
	*pf2 = 0;
	*pf3 = 0;
	return SMFIS_CONTINUE;
}

static sfsistat
nm_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	return SMFIS_NOREPLY;
}

static sfsistat
nm_envelope(SMFICTX *ctx, char **argv)
{
	return SMFIS_NOREPLY;
}

static sfsistat
nm_header(SMFICTX *ctx, char *name, char *value)
{
	return SMFIS_NOREPLY;
}

static sfsistat
nm_body(SMFICTX *ctx, unsigned char *data, size_t len)
{
	return SMFIS_NOREPLY;
}

static sfsistat
nm_continue(SMFICTX *ctx)
{
	return SMFIS_CONTINUE;
}

static sfsistat
nm_accept(SMFICTX *ctx)
{
	return SMFIS_ACCEPT;
}

int
main(int argc, char **argv)
{
	struct smfiDesc desc;

	if (argc != 2) {
		fprintf(stderr, "usage: null-milter SOCKET\n");
		return 2;
	}
	memset(&desc, 0, sizeof(desc));
	desc.xxfi_name = "null-milter";
	desc.xxfi_version = SMFI_VERSION;
	desc.xxfi_flags = SMFIF_ADDHDRS | SMFIF_QUARANTINE;
	desc.xxfi_connect = nm_connect;
	desc.xxfi_envfrom = nm_envelope;
	desc.xxfi_envrcpt = nm_envelope;
	desc.xxfi_header = nm_header;
	desc.xxfi_eoh = nm_continue;
	desc.xxfi_body = nm_body;
	desc.xxfi_eom = nm_accept;
	desc.xxfi_abort = nm_continue;
	desc.xxfi_close = nm_continue;
	desc.xxfi_negotiate = nm_negotiate;
	if (smfi_setconn(argv[1]) != MI_SUCCESS ||
	    smfi_register(desc) != MI_SUCCESS) {
		fprintf(stderr, "null-milter: cannot use %s\n", argv[1]);
		return 1;
	}
	return smfi_main() == MI_SUCCESS ? 0 : 1;
}
