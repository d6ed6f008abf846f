/*
 * Unit tests for config: defaults, the shipped file, every kind of error
 * with its line, internal-domain matching, kind thresholds; the
 * organisation's sections (recipients, groups, exceptions, attachment
 * ban, exposure), approval and its map file, notices, quarantine, audit
 * and the secret file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

static char dir[] = "/tmp/dlp-test-config-XXXXXX";

static int
setup(void **state)
{
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Write text to DIR/name and load it; returns the config or NULL. */
static struct dlp_config *
load_text(const char *name, const char *text, struct dlp_error *err)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	memset(err, 0, sizeof(*err));
	return config_load(path, err);
}

static void
test_defaults_are_safe(void **state)
{
	struct dlp_config *c = config_defaults();

	assert_non_null(c);
	assert_string_equal(c->milter.socket, "inet:8891@127.0.0.1");
	assert_int_equal(c->policy.not_inspectable, DLP_QUARANTINE);
	assert_int_equal(c->policy.on_internal_error, DLP_TEMPFAIL);
	assert_int_equal(c->policy.encrypted, DLP_ACCEPT);
	assert_false(c->policy.monitor_only);
	assert_true(c->limits.max_depth > 0);
	assert_true(c->limits.max_part_bytes > 0);
	assert_int_equal(c->workers.spool_memory_kb, 1024);
	/* organisation policies: all off */
	assert_int_equal(c->policy.max_message_size, 0);
	assert_int_equal(c->policy.size_action, DLP_REJECT);
	assert_int_equal(c->policy.n_allow + c->policy.n_deny, 0);
	assert_int_equal(c->policy.n_exceptions, 0);
	assert_int_equal(c->policy.ban.n + c->policy.ban.n_nets, 0);
	assert_int_equal(c->policy.ban_action, DLP_REJECT);
	assert_int_equal(c->policy.exposure_max_external, 0);
	assert_false(c->policy.exposure_notify);
	/* notices: the sender hears of reject, quarantine and approve */
	assert_true(c->notices.sender[DLP_REJECT]);
	assert_true(c->notices.sender[DLP_QUARANTINE]);
	assert_true(c->notices.sender[DLP_APPROVE]);
	assert_false(c->notices.sender[DLP_TAG]);
	assert_false(c->notices.sender[DLP_MONITOR]);
	assert_true(c->notices.outcome);
	assert_int_equal(c->notices.transport, DLP_NOTICE_SENDMAIL);
	assert_string_equal(c->notices.sendmail_path, "/usr/sbin/sendmail");
	assert_string_equal(c->notices.templates_dir, "conf/templates");
	assert_string_equal(c->notices.envelope_from, "");
	assert_non_null(strchr(c->notices.from, '@'));
	assert_non_null(c->notices.contact);
	assert_string_equal(c->notices.smtp_host, "127.0.0.1");
	assert_int_equal(c->notices.smtp_port, 25);
	assert_int_equal(c->notices.admin_mode, DLP_ADMIN_NONE);
	assert_int_equal(c->notices.admin_min_action, DLP_QUARANTINE);
	/* approval: nobody */
	assert_null(c->approval.map_file);
	assert_int_equal(c->approval.n_map + c->approval.n_default, 0);
	/* quarantine and audit */
	assert_string_equal(
	    c->quarantine.db_path, "/var/lib/dlp-milter/incidents.db");
	assert_int_equal(c->quarantine.mta, DLP_MTA_POSTFIX);
	assert_null(c->quarantine.postfix_config_dir);
	assert_string_equal(
	    c->quarantine.postsuper_path, "/usr/sbin/postsuper");
	assert_string_equal(c->quarantine.postcat_path, "/usr/sbin/postcat");
	assert_string_equal(c->quarantine.sendmail_path, "/usr/sbin/sendmail");
	assert_string_equal(
	    c->quarantine.sendmail_queue_dir, "/var/spool/mqueue");
	assert_int_equal(c->quarantine.expire_after, 14 * 86400);
	assert_int_equal(c->quarantine.expire_action, DLP_EXPIRE_DELETE);
	assert_string_equal(c->audit.file, "/var/log/dlp-milter/audit.jsonl");
	assert_false(c->audit.syslog);
	/* no file, no secret */
	assert_null(c->secret_file);
	assert_int_equal(c->secret_len, 0);
	config_free(c);
	config_free(NULL);
}

static void
test_shipped_config_loads(void **state)
{
	struct dlp_error err = { 0 };
	struct dlp_config *c = config_load("conf/dlp-milter.yaml", &err);
	const struct dlp_kind_policy *kp;

	assert_non_null(c);
	assert_string_equal(c->rules_dir, "conf/../patterns");
	kp = config_kind_policy(c, "my_number");
	assert_string_equal(kp->kind, "my_number");
	assert_int_equal(kp->n_thresholds, 3);
	assert_int_equal(kp->thresholds[0].action, DLP_REJECT);
	assert_int_equal(kp->thresholds[1].confidence, DLP_CONF_MEDIUM);
	assert_int_equal(kp->thresholds[1].action, DLP_QUARANTINE);
	assert_int_equal(kp->thresholds[2].action, DLP_TAG);
	kp = config_kind_policy(c, "person_record");
	assert_string_equal(kp->kind, "person_record");
	assert_int_equal(kp->thresholds[0].min_count, 5);
	kp = config_kind_policy(c, "no_such_kind");
	assert_string_equal(kp->kind, "default");
	assert_int_equal(c->limits.max_header_block_bytes, 1024 * 1024);
	assert_int_equal(c->limits.max_header_bytes, 64 * 1024);
	/* the new sections, as shipped: their defaults, paths beside it */
	assert_int_equal(c->policy.max_message_size, 0);
	assert_int_equal(c->policy.n_exceptions, 0);
	assert_int_equal(c->policy.exposure_max_external, 0);
	assert_null(c->approval.map_file);
	assert_string_equal(c->notices.templates_dir, "conf/templates");
	assert_string_equal(
	    c->notices.from, "dlp-milter <postmaster@example.jp>");
	assert_true(c->notices.sender[DLP_APPROVE]);
	assert_string_equal(
	    c->quarantine.db_path, "/var/lib/dlp-milter/incidents.db");
	assert_null(c->quarantine.postfix_config_dir);
	assert_int_equal(c->quarantine.expire_after, 14 * 86400);
	assert_string_equal(c->audit.file, "/var/log/dlp-milter/audit.jsonl");
	assert_string_equal(c->secret_file, "conf/dlp-milter.key");
	config_free(c);
}

static void
test_values_override_defaults(void **state)
{
	struct dlp_error err;
	struct dlp_config *c = load_text("ok.yaml",
	    "milter:\n  socket: unix:/run/dlp/dlp.sock\n"
	    "  socket_mode: \"0600\"\n"
	    "rules:\n  dir: /srv/rules\n"
	    "policy:\n  mode: monitor\n  scan_internal: yes\n"
	    "  encrypted: tag\n"
	    "limits:\n  max_parts: 50\n  max_part_bytes: 2M\n"
	    "workers:\n  spool_memory_kb: 0\n",
	    &err);

	assert_non_null(c);
	assert_string_equal(c->milter.socket, "unix:/run/dlp/dlp.sock");
	assert_int_equal(c->milter.socket_mode, 0600);
	assert_string_equal(c->rules_dir, "/srv/rules");
	assert_true(c->policy.monitor_only);
	assert_true(c->policy.scan_internal);
	assert_int_equal(c->policy.encrypted, DLP_TAG);
	assert_int_equal(c->limits.max_parts, 50);
	assert_int_equal(c->limits.max_part_bytes, 2 * 1024 * 1024);
	assert_int_equal(c->workers.spool_memory_kb, 0);
	config_free(c);
}

static void
test_relative_rules_dir_is_beside_the_file(void **state)
{
	struct dlp_error err;
	char want[256];
	struct dlp_config *c =
	    load_text("rel.yaml", "rules:\n  dir: r\n", &err);

	assert_non_null(c);
	snprintf(want, sizeof(want), "%s/r", dir);
	assert_string_equal(c->rules_dir, want);
	config_free(c);
	c = load_text("none.yaml", "policy:\n  mode: enforce\n", &err);
	assert_non_null(c);
	snprintf(want, sizeof(want), "%s/patterns", dir);
	assert_string_equal(c->rules_dir, want);
	config_free(c);
}

/* Each bad config and the "file:line" and words its error must carry. */
static const struct {
	const char *text;
	unsigned line;
	const char *words;
} bad[] = {
	{ "milter:\n  sockett: x\n", 2, "unknown key 'sockett'" },
	{ "milter:\n  socket: 8891\n", 2, "socket must be" },
	{ "policy:\n  mode: loud\n", 2, "mode must be" },
	{ "policy:\n  encrypted: drop\n", 2, "unknown action 'drop'" },
	{ "policy:\n  on_internal_error: accept\n", 2,
	    "on_internal_error must be" },
	{ "policy:\n  scan_internal: maybe\n", 2, "true or false" },
	{ "policy:\n  internal_domains: example.jp\n", 2, "must be a list" },
	{ "policy:\n  internal_domains:\n    - a@b.jp\n", 3,
	    "not a domain name" },
	{ "policy:\n  kinds:\n    my_number:\n"
	  "      - {confidence: huge, action: reject}\n",
	    4, "confidence must be" },
	{ "policy:\n  kinds:\n    my_number:\n"
	  "      - {confidence: high}\n",
	    4, "needs confidence and action" },
	{ "policy:\n  kinds:\n    my_number:\n"
	  "      - {confidence: high, action: reject, min_count: 0}\n",
	    4, "out of range" },
	{ "policy:\n  kinds:\n    my_number: reject\n", 3, "expected a list" },
	{ "limits:\n  max_depth: -3\n", 2, "positive number" },
	{ "limits:\n  max_depth: 0\n", 2, "from 1 to" },
	{ "limits:\n  max_part_bytes: 12X\n", 2, "from 1 to" },
	{ "limits:\n  max_depth: 5000\n", 2, "from 1 to 1000" },
	{ "limits:\n  max_everything: 1\n", 2, "unknown key" },
	{ "\n\nfoo: 1\n", 3, "unknown key 'foo'" },
	{ "policy: [1, 2\n", 1, "YAML syntax" },
	{ "milter:\n  timeout: soon\n", 2, "expected a number" },
	{ "policy:\n  classification:\n    labels: [秘]\n", 3,
	    "unknown key 'labels'" },
	{ "policy:\n  classification:\n    action: tempfail\n", 3,
	    "cannot be tempfail" },
	{ "policy:\n  classification:\n    action: block\n", 3,
	    "unknown action 'block'" },
	{ "policy:\n  classification:\n    require_encryption: 秘\n", 3,
	    "must be a list" },
	{ "policy:\n  classification:\n    require_encryption:\n"
	  "      - 社外秘\n      - \"  \"\n",
	    5, "1 to 127 bytes" },
	{ "policy:\n  classification:\n    require_encryption:\n"
	  "      - 機密性2\n      - 機密性 ２\n",
	    5, "listed twice" },
	{ "policy:\n  classification: reject\n", 2, "mapping" },
	/* thresholds may approve; on_internal_error may not */
	{ "policy:\n  on_internal_error: approve\n", 2,
	    "on_internal_error must be" },
	/* max_message_size */
	{ "policy:\n  max_message_size: 10X\n", 2, "from 0 to" },
	{ "policy:\n  max_message_size: -1\n", 2, "a number (0 or more)" },
	{ "policy:\n  max_message_size_action: tempfail\n", 2,
	    "cannot be tempfail" },
	{ "policy:\n  max_message_size_action: drop\n", 2,
	    "unknown action 'drop'" },
	/* recipients */
	{ "policy:\n  recipients:\n    allowed: []\n", 3,
	    "unknown key 'allowed'" },
	{ "policy:\n  recipients:\n    allow: partner.example\n", 3,
	    "must be a list" },
	{ "policy:\n  recipients:\n    allow:\n      - {skip: true}\n", 4,
	    "needs a domain" },
	{ "policy:\n  recipients:\n    allow:\n"
	  "      - {domain: \"part ner.example\", skip: true}\n",
	    4, "not a domain name" },
	{ "policy:\n  recipients:\n    allow:\n"
	  "      - {domain: localhost, skip: true}\n",
	    4, "not a domain name" },
	{ "policy:\n  recipients:\n    allow:\n"
	  "      - {domain: -bad.example, skip: true}\n",
	    4, "not a domain name" },
	{ "policy:\n  recipients:\n    allow:\n"
	  "      - {domain: a..example, skip: true}\n",
	    4, "not a domain name" },
	{ "policy:\n  recipients:\n    allow:\n"
	  "      - {domain: partner.example}\n",
	    4, "needs skip: true or relax" },
	{ "policy:\n  recipients:\n    allow:\n"
	  "      - {domain: partner.example, skip: false}\n",
	    4, "needs skip: true or relax" },
	{ "policy:\n  recipients:\n    allow:\n"
	  "      - {domain: p.example, relax: [My Number]}\n",
	    4, "not a kind name" },
	{ "policy:\n  recipients:\n    allow:\n"
	  "      - {domain: p.example, relax: []}\n",
	    4, "must not be empty" },
	{ "policy:\n  recipients:\n    allow:\n"
	  "      - {domain: p.example, skip: maybe}\n",
	    4, "true or false" },
	{ "policy:\n  recipients:\n    deny:\n"
	  "      - {domain: f.example, action: drop}\n",
	    4, "unknown action 'drop'" },
	{ "policy:\n  recipients:\n    deny:\n"
	  "      - {domain: f.example, action: tempfail}\n",
	    4, "cannot be tempfail" },
	{ "policy:\n  recipients:\n    deny:\n"
	  "      - {domain: f.example, skip: true}\n",
	    4, "unknown key 'skip'" },
	{ "policy:\n  recipients:\n    allow:\n"
	  "      - {domain: p.example, skip: true}\n"
	  "    deny:\n      - {domain: \"@P.Example\"}\n",
	    6, "already in recipients.allow (line 4)" },
	{ "policy:\n  recipients:\n    deny:\n"
	  "      - {domain: f.example}\n      - {domain: f.example.}\n",
	    5, "already in recipients.deny (line 4)" },
	/* groups */
	{ "policy:\n  groups: [a@example.jp]\n", 2, "must be a mapping" },
	{ "policy:\n  groups:\n    HR Team: [a@example.jp]\n", 3,
	    "group name 'HR Team'" },
	{ "policy:\n  groups:\n    hr: [not-an-address]\n", 3,
	    "not an address or @domain" },
	{ "policy:\n  groups:\n    hr: [\"a b@example.jp\"]\n", 3,
	    "not an address or @domain" },
	{ "policy:\n  groups:\n    hr: [a@x]\n    all: [group:hr]\n", 4,
	    "'group:hr' is not an address" },
	{ "policy:\n  groups:\n    hr: a@example.jp\n", 3, "must be a list" },
	/* exceptions */
	{ "policy:\n  exceptions: {id: x}\n", 2, "exceptions must be a list" },
	{ "policy:\n  exceptions:\n    - id: EX1\n      senders: [a@b.jp]\n"
	  "      rules: [my_number]\n      expires: 2026-03-31\n"
	  "      approved_by: boss\n",
	    3, "needs reason" },
	{ "policy:\n  exceptions:\n    - id: EX1\n      senders: [a@b.jp]\n"
	  "      rules: [my_number]\n      expires: 2026-03-31\n"
	  "      reason: r\n",
	    3, "needs approved_by" },
	{ "policy:\n  exceptions:\n    - senders: [a@b.jp]\n"
	  "      rules: [my_number]\n      expires: 2026-03-31\n"
	  "      reason: r\n      approved_by: b\n",
	    3, "needs id" },
	{ "policy:\n  exceptions:\n    - id: EX1\n      ticket: 5\n", 4,
	    "unknown key 'ticket'" },
	{ "policy:\n  exceptions:\n    - id: EX1\n"
	  "      senders: [group:nobody]\n"
	  "      rules: [my_number]\n      expires: 2026-03-31\n"
	  "      reason: r\n      approved_by: b\n",
	    4, "unknown group 'nobody'" },
	{ "policy:\n  exceptions:\n    - id: EX1\n      senders: []\n"
	  "      rules: [my_number]\n      expires: 2026-03-31\n"
	  "      reason: r\n      approved_by: b\n",
	    4, "senders must not be empty" },
	{ "policy:\n  exceptions:\n    - id: EX1\n      senders: [a@b.jp]\n"
	  "      rules: []\n      expires: 2026-03-31\n"
	  "      reason: r\n      approved_by: b\n",
	    5, "rules must not be empty" },
	{ "policy:\n  exceptions:\n    - id: EX1\n      senders: [a@b.jp]\n"
	  "      rules: [\"my number\"]\n      expires: 2026-03-31\n"
	  "      reason: r\n      approved_by: b\n",
	    5, "not a rule id" },
	{ "policy:\n  exceptions:\n    - id: EX1\n      senders: [a@b.jp]\n"
	  "      rules: [my_number]\n      expires: 2026-02-29\n"
	  "      reason: r\n      approved_by: b\n",
	    6, "no such day '2026-02-29'" },
	{ "policy:\n  exceptions:\n    - id: EX1\n      senders: [a@b.jp]\n"
	  "      rules: [my_number]\n      expires: 2026-13-01\n"
	  "      reason: r\n      approved_by: b\n",
	    6, "no such day" },
	{ "policy:\n  exceptions:\n    - id: EX1\n      senders: [a@b.jp]\n"
	  "      rules: [my_number]\n      expires: 2026/03/31\n"
	  "      reason: r\n      approved_by: b\n",
	    6, "YYYY-MM-DD" },
	{ "policy:\n  exceptions:\n    - id: EX1\n      senders: [a@b.jp]\n"
	  "      rules: [my_number]\n      expires: 2026-3-31\n"
	  "      reason: r\n      approved_by: b\n",
	    6, "YYYY-MM-DD" },
	{ "policy:\n  exceptions:\n    - id: EX1\n      senders: [a@b.jp]\n"
	  "      rules: [my_number]\n      expires: 1969-12-31\n"
	  "      reason: r\n      approved_by: b\n",
	    6, "no such day" },
	{ "policy:\n  exceptions:\n    - id: EX1\n      senders: [a@b.jp]\n"
	  "      rules: [my_number]\n      expires: 2026-03-31\n"
	  "      reason: \"\"\n      approved_by: b\n",
	    7, "reason must be 1 to" },
	{ "policy:\n  exceptions:\n    - id: \"EX 1\"\n"
	  "      senders: [a@b.jp]\n"
	  "      rules: [my_number]\n      expires: 2026-03-31\n"
	  "      reason: r\n      approved_by: b\n",
	    3, "exception id: 1 to" },
	{ "policy:\n  exceptions:\n"
	  "    - {id: EX1, senders: [a@b.jp], rules: [\"*\"],"
	  " expires: 2026-03-31, reason: r, approved_by: b}\n"
	  "    - {id: EX1, senders: [c@b.jp], rules: [\"*\"],"
	  " expires: 2026-03-31, reason: r, approved_by: b}\n",
	    4, "exception id 'EX1' is already used (line 3)" },
	/* attachment_ban */
	{ "policy:\n  attachment_ban:\n    clients: [192.0.2.0/33]\n", 3,
	    "prefix must be 0 to 32" },
	{ "policy:\n  attachment_ban:\n    clients: [\"2001:db8::/129\"]\n", 3,
	    "prefix must be 0 to 128" },
	{ "policy:\n  attachment_ban:\n    clients: [192.0.2.0/]\n", 3,
	    "prefix must be" },
	{ "policy:\n  attachment_ban:\n    clients: [192.0.2.0/2x]\n", 3,
	    "prefix must be" },
	{ "policy:\n  attachment_ban:\n    clients: [192.0.2.0/-1]\n", 3,
	    "prefix must be" },
	{ "policy:\n  attachment_ban:\n    clients: [192.0.2.1/24]\n", 3,
	    "host bits" },
	{ "policy:\n  attachment_ban:\n    clients: [\"2001:db8::1/32\"]\n", 3,
	    "host bits" },
	{ "policy:\n  attachment_ban:\n    clients:\n      - 192.0.2.0/24\n"
	  "      - 300.1.1.1\n",
	    5, "'300.1.1.1' is not an IP address" },
	{ "policy:\n  attachment_ban:\n    clients: [example.jp]\n", 3,
	    "not an IP address" },
	{ "policy:\n  attachment_ban:\n    senders: [a@b.jp]\n"
	  "    action: tempfail\n",
	    4, "cannot be tempfail" },
	{ "policy:\n  attachment_ban:\n    networks: []\n", 3,
	    "unknown key 'networks'" },
	{ "policy:\n  attachment_ban:\n    senders: [group:x]\n", 3,
	    "unknown group 'x'" },
	/* recipient_exposure */
	{ "policy:\n  recipient_exposure:\n    max_external: lots\n", 3,
	    "expected a number" },
	{ "policy:\n  recipient_exposure:\n    action: shout\n", 3,
	    "must be notify or an action" },
	{ "policy:\n  recipient_exposure:\n    action: tempfail\n", 3,
	    "cannot be tempfail" },
	/* approval */
	{ "approval:\n  map: x\n", 2, "unknown key 'map'" },
	{ "approval:\n  default: [boss]\n", 2, "'boss' is not an address" },
	{ "approval:\n  default: [\"@example.jp\"]\n", 2, "is not an address" },
	{ "approval:\n  default: boss@example.jp\n", 2, "must be a list" },
	{ "\napproval:\n  map_file: nosuch.map\n", 3, "map_file: cannot open" },
	/* notices */
	{ "notices:\n  sender:\n    monitor: true\n", 3,
	    "unknown key 'monitor'" },
	{ "notices:\n  sender:\n    reject: sometimes\n", 3, "true or false" },
	{ "notices:\n  outcome: sometimes\n", 2, "true or false" },
	{ "notices:\n  transport: pigeon\n", 2,
	    "transport must be sendmail or smtp" },
	{ "notices:\n  from: nobody\n", 2, "from must be" },
	{ "notices:\n  from: \"DLP <a@example.jp\"\n", 2, "from must be" },
	{ "notices:\n  from: \"a@example.jp\\r\\nBcc: x@y.z\"\n", 2,
	    "from must be 1 to" },
	{ "notices:\n  envelope_from: \"<a@example.jp>\"\n", 2,
	    "envelope_from must be" },
	{ "notices:\n  smtp:\n    port: 70000\n", 3, "out of range" },
	{ "notices:\n  smtp:\n    host: \"a b\"\n", 3, "smtp.host must be" },
	{ "notices:\n  smtp:\n    user: x\n", 3, "unknown key 'user'" },
	{ "notices:\n  admin:\n    mode: digest\n", 3, "needs admin.to" },
	{ "notices:\n  admin:\n    to: [a@example.jp]\n    mode: weekly\n", 4,
	    "admin.mode must be" },
	{ "notices:\n  admin:\n    min_action: loud\n", 3,
	    "unknown action 'loud'" },
	{ "notices:\n  admin:\n    to: [\"@example.jp\"]\n", 3,
	    "not an address" },
	{ "notices:\n  contact: \"\"\n", 2, "contact must be 1 to" },
	{ "notices:\n  templates: \"\"\n", 2, "a path cannot be empty" },
	{ "notices:\n  sendmail: [a]\n", 2, "expected a single value" },
	/* quarantine */
	{ "quarantine:\n  mta: exim\n", 2, "mta must be postfix or sendmail" },
	{ "quarantine:\n  expire_after: 2w\n", 2, "expected a duration" },
	{ "quarantine:\n  expire_after: 3651d\n", 2, "expected a duration" },
	{ "quarantine:\n  expire_after: -5\n", 2, "expected a duration" },
	{ "quarantine:\n  expire_after: d\n", 2, "expected a duration" },
	{ "quarantine:\n  expire_action: keep\n", 2,
	    "expire_action must be delete or return" },
	{ "quarantine:\n  database: \"\"\n", 2, "a path cannot be empty" },
	{ "quarantine:\n  spool: x\n", 2, "unknown key 'spool'" },
	/* workers */
	{ "workers:\n  spool_memory_kb: 2000000\n", 2, "out of range" },
	{ "workers:\n  spool_memory_kb: -1\n", 2, "expected a number" },
	/* audit, secret_file */
	{ "audit:\n  syslog: maybe\n", 2, "true or false" },
	{ "audit:\n  path: x\n", 2, "unknown key 'path'" },
	{ "audit: yes\n", 1, "expected a mapping" },
	{ "\nsecret_file: \"\"\n", 2, "secret_file must be 1 to" },
	{ "secret_file: [a]\n", 1, "expected a single value" },
	/* not UTF-8: refused before libfyaml, which loops for ever on
	   the first (tests/fuzz/regress/config/timeout-libfyaml-...) */
	{ "# a\n%a\xfa\xdc\n", 2, "not UTF-8" },
	{ "policy:\n  mode: \xed\xa0\x80\n", 2, "not UTF-8" },
	{ "milter:\n  reply_contact: \xe7\xae\xa1\n\xe7\xae\n", 3,
	    "not UTF-8" },
};

static void
test_bad_configs_name_file_and_line(void **state)
{
	struct dlp_error err;
	char name[32], msg[1200], want[64];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(name, sizeof(name), "bad%zu.yaml", i);
		assert_null(load_text(name, bad[i].text, &err));
		dlp_error_format(&err, msg, sizeof(msg));
		snprintf(want, sizeof(want), "%s:%u: ", name, bad[i].line);
		if (strstr(msg, want) == NULL ||
		    strstr(msg, bad[i].words) == NULL)
			fail_msg("case %zu: got '%s', want '%s' and '%s'", i,
			    msg, want, bad[i].words);
	}
}

static void
test_classification_defaults_and_overrides(void **state)
{
	struct dlp_config *c = config_defaults();
	struct dlp_error err;
	size_t i;

	/* the defaults are what conf/dlp-milter.yaml shows */
	assert_non_null(c);
	assert_int_equal(c->policy.class_action, DLP_REJECT);
	assert_int_equal(c->policy.n_class_labels, 5);
	assert_string_equal(c->policy.class_labels[0], "機密性3");
	assert_string_equal(c->policy.class_labels[3], "秘");
	config_free(c);
	c = config_load("conf/dlp-milter.yaml", &err);
	assert_non_null(c);
	assert_int_equal(c->policy.class_action, DLP_REJECT);
	assert_int_equal(c->policy.n_class_labels, 5);
	config_free(c);

	/* labels are normalised (NFKC, spaces out); the list may be empty */
	c = load_text("class.yaml",
	    "policy:\n  classification:\n"
	    "    require_encryption: [\"機密性 ２\", ＴＯＰ　ＳＥＣＲＥＴ]\n"
	    "    action: quarantine\n",
	    &err);
	assert_non_null(c);
	assert_int_equal(c->policy.class_action, DLP_QUARANTINE);
	assert_int_equal(c->policy.n_class_labels, 2);
	assert_string_equal(c->policy.class_labels[0], "機密性2");
	assert_string_equal(c->policy.class_labels[1], "TOPSECRET");
	config_free(c);
	c = load_text("class0.yaml",
	    "policy:\n  classification:\n    require_encryption: []\n", &err);
	assert_non_null(c);
	assert_int_equal(c->policy.n_class_labels, 0);
	assert_int_equal(c->policy.class_action, DLP_REJECT);
	config_free(c);
	/* only the action: the default labels stay */
	c = load_text("class1.yaml",
	    "policy:\n  classification:\n    action: tag\n", &err);
	assert_non_null(c);
	assert_int_equal(c->policy.class_action, DLP_TAG);
	assert_int_equal(c->policy.n_class_labels, 5);
	for (i = 0; i < c->policy.n_class_labels; i++)
		assert_non_null(c->policy.class_labels[i]);
	config_free(c);
}

static void
test_missing_file_is_an_error_with_the_name(void **state)
{
	struct dlp_error err = { 0 };
	char msg[1200];

	assert_null(config_load("/nonexistent/dlp.yaml", &err));
	dlp_error_format(&err, msg, sizeof(msg));
	assert_non_null(strstr(msg, "/nonexistent/dlp.yaml: cannot open"));
}

static void
test_internal_domains_match_domain_and_subdomains_only(void **state)
{
	struct dlp_error err;
	struct dlp_config *c = load_text("dom.yaml",
	    "policy:\n  internal_domains: [example.jp, .city.example.lg.jp]\n",
	    &err);

	assert_non_null(c);
	assert_true(config_is_internal(c, "a@example.jp"));
	assert_true(config_is_internal(c, "<a@EXAMPLE.JP>"));
	assert_true(config_is_internal(c, "a@mail.example.jp"));
	assert_true(config_is_internal(c, "a@example.jp."));
	assert_true(config_is_internal(c, "b@city.example.lg.jp"));
	assert_false(config_is_internal(c, "a@badexample.jp"));
	assert_false(config_is_internal(c, "a@example.jp.evil.test"));
	assert_false(config_is_internal(c, "a@outside.test"));
	assert_false(config_is_internal(c, "<>"));
	assert_false(config_is_internal(c, "postmaster"));
	assert_false(config_is_internal(c, NULL));
	config_free(c);
}

/* Write text to DIR/name with mode; returns the path (static). */
static const char *
write_file(const char *name, const void *data, size_t len, mode_t mode)
{
	static char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	fclose(fp);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static void
test_org_policy_values(void **state)
{
	struct dlp_error err;
	const struct dlp_domain_rule *r;
	struct dlp_config *c = load_text("org.yaml",
	    "policy:\n"
	    "  max_message_size: 20M\n"
	    "  max_message_size_action: approve\n"
	    "  recipients:\n"
	    "    allow:\n"
	    "      - {domain: \"@Partner.Example\", skip: true}\n"
	    "      - {domain: .bpo.example., relax: [my_number, \"*\"]}\n"
	    "      - {domain: both.example, skip: true, relax: [phone]}\n"
	    "    deny:\n"
	    "      - {domain: freemail.example}\n"
	    "      - {domain: leak.example, action: monitor}\n"
	    "  recipient_exposure: {max_external: 10, action: notify}\n"
	    "  kinds:\n"
	    "    my_number:\n"
	    "      - {confidence: high, action: approve}\n"
	    "  classification:\n"
	    "    action: approve\n",
	    &err);

	if (c == NULL)
		fail_msg("%s:%u: %s", err.file, err.line, err.msg);
	assert_int_equal(c->policy.max_message_size, 20 * 1024 * 1024);
	assert_int_equal(c->policy.size_action, DLP_APPROVE);
	assert_int_equal(c->policy.n_allow, 3);
	r = &c->policy.allow[0];
	assert_string_equal(r->domain, "partner.example");
	assert_true(r->skip);
	assert_int_equal(r->n_kinds, 0);
	assert_int_equal(r->line, 6);
	r = &c->policy.allow[1];
	assert_string_equal(r->domain, "bpo.example");
	assert_false(r->skip);
	assert_int_equal(r->n_kinds, 2);
	assert_string_equal(r->kinds[0], "my_number");
	assert_string_equal(r->kinds[1], "*");
	assert_int_equal(r->line, 7);
	r = &c->policy.allow[2];
	assert_true(r->skip);
	assert_int_equal(r->n_kinds, 1);
	assert_int_equal(c->policy.n_deny, 2);
	assert_string_equal(c->policy.deny[0].domain, "freemail.example");
	assert_int_equal(c->policy.deny[0].action, DLP_REJECT);
	assert_int_equal(c->policy.deny[0].line, 10);
	assert_string_equal(c->policy.deny[1].domain, "leak.example");
	assert_int_equal(c->policy.deny[1].action, DLP_MONITOR);
	assert_int_equal(c->policy.exposure_max_external, 10);
	assert_true(c->policy.exposure_notify);
	assert_int_equal(c->policy.exposure_action, DLP_ACCEPT);
	assert_int_equal(
	    config_kind_policy(c, "my_number")->thresholds[0].action,
	    DLP_APPROVE);
	assert_int_equal(c->policy.class_action, DLP_APPROVE);
	config_free(c);

	/* an action for exposure; 0 turns the size ceiling off */
	c = load_text("org2.yaml",
	    "policy:\n  max_message_size: 0\n"
	    "  recipient_exposure:\n    max_external: 3\n"
	    "    action: quarantine\n",
	    &err);
	assert_non_null(c);
	assert_int_equal(c->policy.max_message_size, 0);
	assert_int_equal(c->policy.exposure_max_external, 3);
	assert_false(c->policy.exposure_notify);
	assert_int_equal(c->policy.exposure_action, DLP_QUARANTINE);
	config_free(c);
}

static void
test_exceptions_resolve_groups_and_end_after_their_day(void **state)
{
	struct dlp_error err;
	const struct dlp_exception *e;
	struct dlp_config *c = load_text("exc.yaml",
	    "policy:\n"
	    "  exceptions:\n"
	    "    - id: EX-2026-001\n"
	    "      senders: [group:hr, Boss@Example.JP, a@example.jp]\n"
	    "      rules: [my_number, jp_pension_context]\n"
	    "      expires: 2026-03-31\n"
	    "      reason: 年末調整\n"
	    "      approved_by: 情報セキュリティ委員会\n"
	    "    - {id: EX2, senders: [\"@Payroll.Example.JP\"],"
	    " rules: [\"*\"], expires: 2028-02-29, reason: r,"
	    " approved_by: b}\n"
	    "    - {id: EX3, senders: [group:hr, group:all], rules: [x],"
	    " expires: 1970-01-01, reason: r, approved_by: b}\n"
	    /* groups after exceptions in the file: still resolved */
	    "  groups:\n"
	    "    hr: [a@example.jp, \"@HR.example.jp\"]\n"
	    "    all: [\"@example.jp\", a@example.jp]\n"
	    "    empty: []\n",
	    &err);

	if (c == NULL)
		fail_msg("%s:%u: %s", err.file, err.line, err.msg);
	assert_int_equal(c->policy.n_exceptions, 3);
	e = &c->policy.exceptions[0];
	assert_string_equal(e->id, "EX-2026-001");
	/* the group's members in place, lower case, each once */
	assert_int_equal(e->n_senders, 3);
	assert_string_equal(e->senders[0], "a@example.jp");
	assert_string_equal(e->senders[1], "@hr.example.jp");
	assert_string_equal(e->senders[2], "boss@example.jp");
	assert_int_equal(e->n_rules, 2);
	assert_string_equal(e->rules[1], "jp_pension_context");
	/* 2026-04-01T00:00:00Z: the first second after the day */
	assert_int_equal(e->expires, 1775001600LL);
	assert_string_equal(e->reason, "年末調整");
	assert_string_equal(e->approved_by, "情報セキュリティ委員会");
	assert_int_equal(e->line, 3);
	e = &c->policy.exceptions[1];
	assert_int_equal(e->n_senders, 1);
	assert_string_equal(e->senders[0], "@payroll.example.jp");
	assert_string_equal(e->rules[0], "*");
	assert_int_equal(e->expires, 1835481600LL); /* 2028-03-01 */
	assert_int_equal(e->line, 9);
	e = &c->policy.exceptions[2];
	assert_int_equal(e->n_senders, 3);
	assert_string_equal(e->senders[2], "@example.jp");
	assert_int_equal(e->expires, 86400);
	/* the senders work with config_addr_in */
	e = &c->policy.exceptions[0];
	assert_true(config_addr_in((const char *const *)e->senders,
	    e->n_senders, "<x@mail.hr.example.jp>"));
	assert_true(config_addr_in(
	    (const char *const *)e->senders, e->n_senders, "BOSS@example.jp"));
	assert_false(config_addr_in(
	    (const char *const *)e->senders, e->n_senders, "b@example.jp"));
	config_free(c);
}

static void
test_attachment_ban_parses_networks(void **state)
{
	static const unsigned char v4[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff, 192, 0, 2, 0 };
	static const unsigned char host[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff, 198, 51, 100, 7 };
	static const unsigned char v6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	static const unsigned char one[16] = { 0x20, 0x01, 0x0d,
		0xb8, [15] = 1 };
	static const unsigned char zero[16] = { 0 };
	struct dlp_error err;
	const struct dlp_addr_list *b;
	struct dlp_config *c = load_text("ban.yaml",
	    "policy:\n"
	    "  groups: {temps: [t1@example.jp]}\n"
	    "  attachment_ban:\n"
	    "    senders: [group:temps, \"@Contractor.example.jp\"]\n"
	    "    clients: [192.0.2.0/24, \"2001:db8::/32\", 198.51.100.7,\n"
	    "              \"2001:db8::1\", 0.0.0.0/0, \"::/0\"]\n"
	    "    action: quarantine\n",
	    &err);

	if (c == NULL)
		fail_msg("%s:%u: %s", err.file, err.line, err.msg);
	b = &c->policy.ban;
	assert_int_equal(c->policy.ban_action, DLP_QUARANTINE);
	assert_int_equal(b->n, 2);
	assert_string_equal(b->v[0], "t1@example.jp");
	assert_string_equal(b->v[1], "@contractor.example.jp");
	assert_int_equal(b->n_nets, 6);
	assert_memory_equal(b->nets[0].addr, v4, 16);
	assert_int_equal(b->nets[0].prefix, 24 + 96);
	assert_memory_equal(b->nets[1].addr, v6, 16);
	assert_int_equal(b->nets[1].prefix, 32);
	assert_memory_equal(b->nets[2].addr, host, 16);
	assert_int_equal(b->nets[2].prefix, 128);
	assert_memory_equal(b->nets[3].addr, one, 16);
	assert_int_equal(b->nets[3].prefix, 128);
	/* every IPv4 client: the mapped range, not everything */
	assert_int_equal(b->nets[4].prefix, 96);
	assert_int_equal(b->nets[4].addr[10], 0xff);
	assert_memory_equal(b->nets[5].addr, zero, 16);
	assert_int_equal(b->nets[5].prefix, 0);
	config_free(c);
}

static void
test_approvers_map_and_lookup_order(void **state)
{
	static const char map[] =
	    "# who approves whom\n"
	    "\n"
	    "@Example.JP        joshi@example.jp   # everyone else\n"
	    "@sales.example.jp\tsm@example.jp,sm2@example.jp\n"
	    "@tokyo.sales.example.jp  tm@example.jp , sm@example.jp\r\n"
	    "Yamada@Example.jp  deputy@example.jp deputy@example.jp\n"
	    "a#b@example.jp     hash@example.jp\n"
	    "   \t  # indented comment\n"
	    "last@example.jp    l@example.jp"; /* no final newline */
	struct dlp_error err;
	struct dlp_config *c;
	const char *const *v;
	char want[256];
	size_t n;

	write_file("approvers.map", map, strlen(map), 0644);
	c = load_text("appr.yaml",
	    "approval:\n  map_file: approvers.map\n"
	    "  default: [Boss@Example.jp, boss@example.jp, b2@example.jp]\n",
	    &err);
	if (c == NULL)
		fail_msg("%s:%u: %s", err.file, err.line, err.msg);
	snprintf(want, sizeof(want), "%s/approvers.map", dir);
	assert_string_equal(c->approval.map_file, want);
	assert_int_equal(c->approval.n_map, 6);
	assert_int_equal(c->approval.n_default, 2); /* one once */
	assert_string_equal(
	    c->approval.default_approvers[0], "boss@example.jp");
	assert_string_equal(c->approval.map[0].who, "@example.jp");
	assert_int_equal(c->approval.map[3].n_approvers, 1);

	/* the address's own line first */
	v = config_approvers(c, "<yamada@example.jp>", &n);
	assert_int_equal(n, 1);
	assert_string_equal(v[0], "deputy@example.jp");
	/* then the longest domain, whatever the order in the file */
	v = config_approvers(c, "a@tokyo.sales.example.jp", &n);
	assert_int_equal(n, 2);
	assert_string_equal(v[0], "tm@example.jp");
	assert_string_equal(v[1], "sm@example.jp");
	v = config_approvers(c, "a@osaka.sales.example.jp", &n);
	assert_int_equal(n, 2);
	assert_string_equal(v[1], "sm2@example.jp");
	v = config_approvers(c, "someone@example.jp", &n);
	assert_int_equal(n, 1);
	assert_string_equal(v[0], "joshi@example.jp");
	/* '#' inside a word is not a comment */
	v = config_approvers(c, "a#b@example.jp", &n);
	assert_string_equal(v[0], "hash@example.jp");
	v = config_approvers(c, "LAST@example.jp", &n);
	assert_string_equal(v[0], "l@example.jp");
	/* else the default; a "domain" that only ends alike is no match */
	v = config_approvers(c, "x@notexample.jp", &n);
	assert_int_equal(n, 2);
	assert_string_equal(v[0], "boss@example.jp");
	v = config_approvers(c, "<>", &n);
	assert_int_equal(n, 2);
	config_free(c);

	/* no map and no default: nobody */
	c = config_defaults();
	assert_non_null(c);
	assert_null(config_approvers(c, "a@example.jp", &n));
	assert_int_equal(n, 0);
	config_free(c);
}

/* Each bad approvers map, and the line its error names. */
static const struct {
	const char *map;
	unsigned line;
	const char *words;
} bad_maps[] = {
	{ "a@example.jp b@example.jp\nlonely@example.jp\n", 2,
	    "has no approver" },
	{ "a@example.jp b@example.jp\nlonely@example.jp # nobody\n", 2,
	    "has no approver" },
	{ "\n\nnot-an-address b@example.jp\n", 3, "not an address or @domain" },
	{ "a@example.jp @example.jp\n", 1, "approver '@example.jp' is not" },
	{ "a@example.jp b@example.jp\nA@Example.jp c@example.jp\n", 2,
	    "listed twice" },
	{ "a@example.jp b@exa\x01mple.jp\n", 1, "control character" },
	{ "# x\na@example.jp b@example.jp\x7f\n", 2, "control character" },
};

static void
test_approvers_map_errors_name_the_map_and_line(void **state)
{
	struct dlp_error err;
	char msg[1200], want[300], *longline;
	size_t i;

	for (i = 0; i < sizeof(bad_maps) / sizeof(bad_maps[0]); i++) {
		write_file(
		    "bad.map", bad_maps[i].map, strlen(bad_maps[i].map), 0644);
		assert_null(load_text(
		    "badmap.yaml", "approval:\n  map_file: bad.map\n", &err));
		dlp_error_format(&err, msg, sizeof(msg));
		snprintf(want, sizeof(want), "%s/bad.map:%u: ", dir,
		    bad_maps[i].line);
		if (strncmp(msg, want, strlen(want)) != 0 ||
		    strstr(msg, bad_maps[i].words) == NULL)
			fail_msg("map %zu: got '%s', want '%s' and '%s'", i,
			    msg, want, bad_maps[i].words);
	}
	/* a NUL in a line is seen, not taken for its end */
	write_file("bad.map",
	    "a@example.jp b@example.jp\n"
	    "c@example.jp d@example.jp\0x\n",
	    53, 0644);
	assert_null(
	    load_text("badmap.yaml", "approval:\n  map_file: bad.map\n", &err));
	assert_int_equal(err.line, 2);
	assert_non_null(strstr(err.msg, "NUL"));
	/* a line past the limit */
	longline = malloc(5000);
	assert_non_null(longline);
	memset(longline, 'a', 4999);
	memcpy(longline, "x@example.jp ", 13);
	longline[4999] = '\n';
	write_file("bad.map", longline, 5000, 0644);
	free(longline);
	assert_null(
	    load_text("badmap.yaml", "approval:\n  map_file: bad.map\n", &err));
	assert_int_equal(err.line, 1);
	assert_non_null(strstr(err.msg, "longer than"));
}

static void
test_shipped_approvers_map_loads(void **state)
{
	struct dlp_error err;
	struct dlp_config *c;
	const char *const *v;
	char cwd[200], text[400];
	size_t n;

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(text, sizeof(text),
	    "approval:\n  map_file: %s/conf/approvers.map\n", cwd);
	c = load_text("shipped-map.yaml", text, &err);
	if (c == NULL)
		fail_msg("%s:%u: %s", err.file, err.line, err.msg);
	assert_true(c->approval.n_map >= 3);
	v = config_approvers(c, "someone@tokyo.sales.example.jp", &n);
	assert_int_equal(n, 2);
	assert_string_equal(v[0], "tokyo-manager@example.jp");
	config_free(c);
}

static void
test_notices_quarantine_audit_values(void **state)
{
	struct dlp_error err;
	char want[256];
	struct dlp_config *c = load_text("nqa.yaml",
	    "notices:\n"
	    "  sender: {reject: false, tag: true}\n"
	    "  outcome: no\n"
	    "  templates: tpl/ja\n"
	    "  from: \"情報セキュリティ <DLP@Example.JP>\"\n"
	    "  envelope_from: Bounce@example.jp\n"
	    "  transport: smtp\n"
	    "  sendmail: /opt/bin/sendmail\n"
	    "  smtp: {host: mail.example.jp, port: 587}\n"
	    "  contact: 情報システム課 内線 1234\n"
	    "  admin: {to: [sec@example.jp], mode: digest, min_action: "
	    "approve}\n"
	    "quarantine:\n"
	    "  database: db/incidents.db\n"
	    "  mta: sendmail\n"
	    "  postfix_config_dir: /etc/postfix-out\n"
	    "  postsuper: /opt/postsuper\n"
	    "  postcat: /opt/postcat\n"
	    "  sendmail: /opt/sendmail\n"
	    "  sendmail_queue: /var/spool/mq\n"
	    "  expire_after: 36h\n"
	    "  expire_action: return\n"
	    "audit:\n  file: \"\"\n  syslog: true\n"
	    "secret_file: keys/none.key\n",
	    &err);

	if (c == NULL)
		fail_msg("%s:%u: %s", err.file, err.line, err.msg);
	assert_false(c->notices.sender[DLP_REJECT]);
	assert_true(c->notices.sender[DLP_QUARANTINE]); /* default kept */
	assert_true(c->notices.sender[DLP_TAG]);
	assert_false(c->notices.outcome);
	snprintf(want, sizeof(want), "%s/tpl/ja", dir);
	assert_string_equal(c->notices.templates_dir, want);
	assert_string_equal(
	    c->notices.from, "情報セキュリティ <DLP@Example.JP>");
	assert_string_equal(c->notices.envelope_from, "bounce@example.jp");
	assert_int_equal(c->notices.transport, DLP_NOTICE_SMTP);
	assert_string_equal(c->notices.sendmail_path, "/opt/bin/sendmail");
	assert_string_equal(c->notices.smtp_host, "mail.example.jp");
	assert_int_equal(c->notices.smtp_port, 587);
	assert_string_equal(c->notices.contact, "情報システム課 内線 1234");
	assert_int_equal(c->notices.n_admin_to, 1);
	assert_string_equal(c->notices.admin_to[0], "sec@example.jp");
	assert_int_equal(c->notices.admin_mode, DLP_ADMIN_DIGEST);
	assert_int_equal(c->notices.admin_min_action, DLP_APPROVE);
	snprintf(want, sizeof(want), "%s/db/incidents.db", dir);
	assert_string_equal(c->quarantine.db_path, want);
	assert_int_equal(c->quarantine.mta, DLP_MTA_SENDMAIL);
	assert_string_equal(
	    c->quarantine.postfix_config_dir, "/etc/postfix-out");
	assert_string_equal(c->quarantine.postsuper_path, "/opt/postsuper");
	assert_string_equal(c->quarantine.postcat_path, "/opt/postcat");
	assert_string_equal(c->quarantine.sendmail_path, "/opt/sendmail");
	assert_string_equal(c->quarantine.sendmail_queue_dir, "/var/spool/mq");
	assert_int_equal(c->quarantine.expire_after, 36 * 3600);
	assert_int_equal(c->quarantine.expire_action, DLP_EXPIRE_RETURN);
	assert_null(c->audit.file);
	assert_true(c->audit.syslog);
	snprintf(want, sizeof(want), "%s/keys/none.key", dir);
	assert_string_equal(c->secret_file, want);
	assert_int_equal(c->secret_len, 0);
	config_free(c);

	/* durations: plain seconds, s, m, d; 0 is never; the default
	   templates and secret are beside the file */
	c = load_text("dur.yaml",
	    "quarantine:\n  expire_after: 0\n"
	    "notices:\n  envelope_from: \"\"\n  from: dlp@example.jp\n"
	    "audit:\n  file: log/audit.jsonl\n",
	    &err);
	assert_non_null(c);
	assert_int_equal(c->quarantine.expire_after, 0);
	assert_string_equal(c->notices.envelope_from, "");
	snprintf(want, sizeof(want), "%s/templates", dir);
	assert_string_equal(c->notices.templates_dir, want);
	snprintf(want, sizeof(want), "%s/dlp-milter.key", dir);
	assert_string_equal(c->secret_file, want);
	snprintf(want, sizeof(want), "%s/log/audit.jsonl", dir);
	assert_string_equal(c->audit.file, want);
	config_free(c);
	c = load_text("dur2.yaml", "quarantine:\n  expire_after: 90\n", &err);
	assert_int_equal(c->quarantine.expire_after, 90);
	config_free(c);
	c = load_text("dur3.yaml", "quarantine:\n  expire_after: 45m\n", &err);
	assert_int_equal(c->quarantine.expire_after, 45 * 60);
	config_free(c);
	c = load_text(
	    "dur4.yaml", "quarantine:\n  expire_after: 3650d\n", &err);
	assert_int_equal(c->quarantine.expire_after, 3650LL * 86400);
	config_free(c);
	c = load_text("dur5.yaml", "quarantine:\n  expire_after: 10s\n", &err);
	assert_int_equal(c->quarantine.expire_after, 10);
	config_free(c);
}

/* Load a config whose secret_file is name; the error text or "". */
static struct dlp_config *
load_with_secret(const char *name, struct dlp_error *err)
{
	char text[300];

	snprintf(text, sizeof(text), "secret_file: %s\n", name);
	return load_text("secret.yaml", text, err);
}

static void
test_secret_file_hex_raw_and_refusals(void **state)
{
	static const char hex[] = "00112233445566778899aabbccddeeff\n"
				  "  00112233445566778899AABBCCDDEEFF  \n";
	unsigned char raw[20];
	struct dlp_error err;
	struct dlp_config *c;
	char msg[1200], odd[70];
	size_t i;

	/* hex, whitespace ignored */
	write_file("hex.key", hex, strlen(hex), 0600);
	c = load_with_secret("hex.key", &err);
	if (c == NULL)
		fail_msg("%s:%u: %s", err.file, err.line, err.msg);
	assert_int_equal(c->secret_len, 32);
	for (i = 0; i < 32; i++)
		assert_int_equal(
		    c->secret[i], (unsigned char)((i % 16) * 0x11));
	config_free(c);
	/* raw bytes */
	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (unsigned char)(0xf0 + i * 7);
	write_file("raw.key", raw, sizeof(raw), 0400);
	c = load_with_secret("raw.key", &err);
	assert_non_null(c);
	assert_int_equal(c->secret_len, sizeof(raw));
	assert_memory_equal(c->secret, raw, sizeof(raw));
	config_free(c);
	/* absent: no secret yet, no error */
	c = load_with_secret("absent.key", &err);
	assert_non_null(c);
	assert_int_equal(c->secret_len, 0);
	config_free(c);

	/* refusals, each naming the secret file */
	write_file("short.key", "0011223344556677\n", 17, 0600);
	assert_null(load_with_secret("short.key", &err));
	dlp_error_format(&err, msg, sizeof(msg));
	assert_non_null(strstr(msg, "short.key: "));
	assert_non_null(strstr(msg, "64 to 512, not 16"));
	memset(odd, 'a', 65);
	write_file("odd.key", odd, 65, 0600);
	assert_null(load_with_secret("odd.key", &err));
	assert_non_null(strstr(err.msg, "not 65"));
	write_file("rawshort.key", "short secret!", 13, 0600);
	assert_null(load_with_secret("rawshort.key", &err));
	assert_non_null(strstr(err.msg, "16 to 256 bytes, not 13"));
	{
		char big[300];

		memset(big, 'z', sizeof(big));
		write_file("rawlong.key", big, sizeof(big), 0600);
		assert_null(load_with_secret("rawlong.key", &err));
		assert_non_null(strstr(err.msg, "not 300"));
	}
	write_file("empty.key", "", 0, 0600);
	assert_null(load_with_secret("empty.key", &err));
	assert_non_null(strstr(err.msg, "not 0"));
	write_file("open.key", hex, strlen(hex), 0644);
	assert_null(load_with_secret("open.key", &err));
	dlp_error_format(&err, msg, sizeof(msg));
	assert_non_null(strstr(msg, "open.key: "));
	assert_non_null(strstr(msg, "mode 0644"));
	write_file("group.key", hex, strlen(hex), 0640);
	assert_null(load_with_secret("group.key", &err));
	assert_non_null(strstr(err.msg, "group or others"));
	write_file("other.key", hex, strlen(hex), 0604);
	assert_null(load_with_secret("other.key", &err));
	assert_non_null(strstr(err.msg, "group or others"));
	/* a directory is not a secret */
	assert_null(load_with_secret(".", &err));
	assert_non_null(strstr(err.msg, "not a regular file"));
}

static void
test_secret_create(void **state)
{
	struct dlp_error err;
	struct dlp_config *c;
	unsigned char first[DLP_SECRET_MAX];
	char path[256], buf[100];
	struct stat st;
	FILE *fp;
	size_t i, len;

	snprintf(path, sizeof(path), "%s/new.key", dir);
	unlink(path);
	c = load_with_secret("new.key", &err);
	assert_non_null(c);
	assert_int_equal(c->secret_len, 0);
	assert_int_equal(config_secret_create(c, &err), 0);
	assert_int_equal(c->secret_len, 32);
	memcpy(first, c->secret, 32);
	/* 0600, 64 hex digits and a newline, the bytes loaded */
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, 65);
	fp = fopen(path, "r");
	assert_non_null(fp);
	len = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	assert_int_equal(len, 65);
	assert_int_equal(buf[64], '\n');
	buf[len] = '\0';
	for (i = 0; i < 32; i++) {
		unsigned x;

		assert_int_equal(sscanf(buf + 2 * i, "%2x", &x), 1);
		assert_int_equal(x, c->secret[i]);
	}
	/* loaded already: nothing to do, the file is not replaced */
	assert_int_equal(config_secret_create(c, &err), 0);
	config_free(c);
	/* a config loaded later reads the same secret */
	c = load_with_secret("new.key", &err);
	assert_non_null(c);
	assert_int_equal(c->secret_len, 32);
	assert_memory_equal(c->secret, first, 32);
	/* made by another process after this config loaded: read, kept */
	c->secret_len = 0;
	assert_int_equal(config_secret_create(c, &err), 0);
	assert_int_equal(c->secret_len, 32);
	assert_memory_equal(c->secret, first, 32);
	config_free(c);
	/* two creations make two different secrets */
	unlink(path);
	c = load_with_secret("new.key", &err);
	assert_non_null(c);
	assert_int_equal(config_secret_create(c, &err), 0);
	assert_memory_not_equal(c->secret, first, 32);
	config_free(c);
	/* no directory to create it in: an error naming the file */
	c = load_with_secret("nodir/new.key", &err);
	assert_non_null(c);
	memset(&err, 0, sizeof(err));
	assert_int_equal(config_secret_create(c, &err), -1);
	assert_non_null(strstr(err.file, "nodir/new.key"));
	assert_non_null(strstr(err.msg, "cannot create"));
	config_free(c);
	/* no secret_file at all: nothing to do */
	c = config_defaults();
	assert_non_null(c);
	assert_int_equal(config_secret_create(c, &err), 0);
	assert_int_equal(c->secret_len, 0);
	config_free(c);
}

static void
test_addr_in_matches_addresses_and_domains(void **state)
{
	static const char *const list[] = { "a@example.jp", "@corp.example",
		"x@sub.other.example" };

	assert_true(config_addr_in(list, 3, "a@example.jp"));
	assert_true(config_addr_in(list, 3, "<A@EXAMPLE.JP>"));
	assert_true(config_addr_in(list, 3, "a@example.jp."));
	assert_true(config_addr_in(list, 3, "anyone@corp.example"));
	assert_true(config_addr_in(list, 3, "b@deep.sub.corp.example"));
	assert_true(config_addr_in(list, 3, "X@Sub.Other.Example"));
	assert_false(config_addr_in(list, 3, "b@example.jp"));
	assert_false(config_addr_in(list, 3, "a@example.jp.evil.test"));
	assert_false(config_addr_in(list, 3, "a@mail.example.jp"));
	assert_false(config_addr_in(list, 3, "b@notcorp.example"));
	assert_false(config_addr_in(list, 3, "x@other.example"));
	assert_false(config_addr_in(list, 3, "<>"));
	assert_false(config_addr_in(list, 3, "postmaster"));
	assert_false(config_addr_in(list, 3, NULL));
	assert_false(config_addr_in(list, 0, "a@example.jp"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_are_safe),
		cmocka_unit_test(test_shipped_config_loads),
		cmocka_unit_test(test_values_override_defaults),
		cmocka_unit_test(test_relative_rules_dir_is_beside_the_file),
		cmocka_unit_test(test_bad_configs_name_file_and_line),
		cmocka_unit_test(test_classification_defaults_and_overrides),
		cmocka_unit_test(test_missing_file_is_an_error_with_the_name),
		cmocka_unit_test(
		    test_internal_domains_match_domain_and_subdomains_only),
		cmocka_unit_test(test_org_policy_values),
		cmocka_unit_test(
		    test_exceptions_resolve_groups_and_end_after_their_day),
		cmocka_unit_test(test_attachment_ban_parses_networks),
		cmocka_unit_test(test_approvers_map_and_lookup_order),
		cmocka_unit_test(
		    test_approvers_map_errors_name_the_map_and_line),
		cmocka_unit_test(test_shipped_approvers_map_loads),
		cmocka_unit_test(test_notices_quarantine_audit_values),
		cmocka_unit_test(test_secret_file_hex_raw_and_refusals),
		cmocka_unit_test(test_secret_create),
		cmocka_unit_test(test_addr_in_matches_addresses_and_domains),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
