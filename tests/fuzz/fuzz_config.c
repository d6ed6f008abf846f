/*
 * fuzz_config - the config loader (config.c, config_org.c,
 * config_ops.c through config_load(): YAML by libfyaml, every section,
 * key, type and range, policy kinds and thresholds, recipients,
 * groups, exceptions with dates, CIDR bans, notices, quarantine). The
 * input is written to a file in a private directory and loaded from
 * there; when it loads, a few lookups run over it. Paths in the file
 * (approver maps, the secret file, rules.dir) are resolved against that
 * directory, which holds nothing else.
 */
#include "fuzz_common.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const addrs[] = { "a@example.jp",
		"<b@sub.example.jp>", "c@example.com", "", "@",
		"d@[127.0.0.1]" };
	struct dlp_config *cfg;
	struct dlp_error err;
	size_t i, n;

	fz_write_file("dlp-milter.yaml", data, size);
	memset(&err, 0, sizeof(err));
	cfg = config_load(fz_file_path, &err);
	if (cfg == NULL) {
		fz_check(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
		fz_check(err.msg[0] != '\0');
		return 0;
	}
	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		(void)config_is_internal(cfg, addrs[i]);
		(void)config_approvers(cfg, addrs[i], &n);
	}
	(void)config_kind_policy(cfg, "my_number");
	(void)config_kind_policy(cfg, "nonesuch");
	(void)config_encryption_accepted(cfg, "zipcrypto");
	(void)config_encryption_accepted(cfg, "pdf-aes-256");
	config_free(cfg);
	return 0;
}
