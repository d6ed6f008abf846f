/*
 * Unit tests for report_wire (the worker's reply, decoded by the
 * daemon): the time and bytes per stage travel exactly, after every
 * other field; a reply cut anywhere, the stage fields included, or with
 * bytes left over is refused. The round trip of a real scan's every
 * field is in test_pool.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report.h"
#include "report_wire.h"

static void
sample(struct dlp_report *r)
{
	struct dlp_node *n;
	unsigned k;

	memset(r, 0, sizeof(*r));
	r->action = DLP_QUARANTINE;
	r->would_action = DLP_QUARANTINE;
	r->elapsed_ms = 12;
	r->message_size = 4096;
	n = report_add_node(r);
	assert_non_null(n);
	n->path = strdup("1");
	n->type = strdup("text/plain");
	for (k = 0; k < DLP_N_STAGES; k++) {
		/* values past 32 bits, distinct per stage and field */
		r->stages.ns[k] = 0x100000000ull * (k + 1) + 7 * k + 1;
		r->stages.bytes[k] = 0x200000000ull * (k + 3) + k;
	}
	r->stages.elapsed_ns = 0xfedcba9876543210ull;
}

static void
test_stages_travel_exactly(void **state)
{
	struct dlp_report r, back;
	struct buf b;
	unsigned k;

	sample(&r);
	buf_init(&b, 1 << 16);
	assert_int_equal(report_wire_encode(&r, &b), 0);
	assert_int_equal(report_wire_decode(b.data, b.len, &back), 0);
	assert_int_equal(back.stages.elapsed_ns, r.stages.elapsed_ns);
	for (k = 0; k < DLP_N_STAGES; k++) {
		assert_int_equal(back.stages.ns[k], r.stages.ns[k]);
		assert_int_equal(back.stages.bytes[k], r.stages.bytes[k]);
	}
	assert_int_equal(back.action, DLP_QUARANTINE);
	assert_int_equal(back.n_nodes, 1);
	assert_string_equal(back.nodes[0].path, "1");
	report_clear(&back);
	report_clear(&r);
	buf_free(&b);
}

static void
test_cut_or_padded_replies_are_refused(void **state)
{
	struct dlp_report r, back;
	struct buf b;
	size_t cut, stages = 8 * (1 + 2 * DLP_N_STAGES);

	sample(&r);
	buf_init(&b, 1 << 16);
	assert_int_equal(report_wire_encode(&r, &b), 0);
	assert_true(b.len > stages);
	/* every cut, those inside the stage fields at the end first */
	for (cut = b.len; cut-- > 0;) {
		assert_int_equal(report_wire_decode(b.data, cut, &back), -1);
		assert_int_equal(back.n_nodes, 0);
		assert_null(back.nodes);
	}
	/* a byte too many */
	assert_int_equal(buf_putc(&b, 0), BUF_OK);
	assert_int_equal(report_wire_decode(b.data, b.len, &back), -1);
	report_clear(&r);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stages_travel_exactly),
		cmocka_unit_test(test_cut_or_padded_replies_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
