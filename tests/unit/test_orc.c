// SPDX-License-Identifier: GPL-2.0
/* ORC entry decoding, per layout, and layout selection by kernel version. */
#include "helpers.h"
#include "kernel_orc.h"
#include "orc.h"

static void raw(uint8_t *p, int16_t sp, int16_t bp, uint16_t flags)
{
	memcpy(p, &sp, 2);
	memcpy(p + 2, &bp, 2);
	memcpy(p + 4, &flags, 2);
}

static void decode_v1_call(void **state)
{
	uint8_t r[6];
	struct ks_orc o;

	(void)state;
	raw(r, 8, -16, KS_ORC_REG_SP | KS_ORC_REG_PREV_SP << 4);
	assert_no_error(ks_orc_decode(KS_ORC_LAYOUT_V1, r, &o));
	assert_int_equal(o.type, KS_ORC_TYPE_CALL);
	assert_int_equal(o.sp_reg, KS_ORC_REG_SP);
	assert_int_equal(o.bp_reg, KS_ORC_REG_PREV_SP);
	assert_int_equal(o.sp_offset, 8);
	assert_int_equal(o.bp_offset, -16);
	assert_int_equal(o.signal, 0);
}

static void decode_v1_regs_set_signal(void **state)
{
	uint8_t r[6];
	struct ks_orc o;

	(void)state;
	raw(r, 0, 0, KS_ORC_REG_SP | 1 << 8);
	assert_no_error(ks_orc_decode(KS_ORC_LAYOUT_V1, r, &o));
	assert_int_equal(o.type, KS_ORC_TYPE_REGS);
	assert_int_equal(o.signal, 1);
	raw(r, 0, 0, KS_ORC_REG_SP | 2 << 8);
	assert_no_error(ks_orc_decode(KS_ORC_LAYOUT_V1, r, &o));
	assert_int_equal(o.type, KS_ORC_TYPE_REGS_PARTIAL);
	assert_int_equal(o.signal, 1);
}

static void decode_v1_end_and_undefined(void **state)
{
	uint8_t r[6];
	struct ks_orc o;

	(void)state;
	raw(r, 0, 0, 1 << 10);	/* sp_reg UNDEFINED + end */
	assert_no_error(ks_orc_decode(KS_ORC_LAYOUT_V1, r, &o));
	assert_int_equal(o.type, KS_ORC_TYPE_END_OF_STACK);
	raw(r, 0, 0, 0);	/* weak terminator */
	assert_no_error(ks_orc_decode(KS_ORC_LAYOUT_V1, r, &o));
	assert_int_equal(o.type, KS_ORC_TYPE_UNDEFINED);
}

static void decode_v1_rejects_impossible(void **state)
{
	uint8_t r[6];
	struct ks_orc o;
	struct ks_error *err;

	(void)state;
	raw(r, 8, 0, KS_ORC_REG_SP | 1 << 11);	/* unused bit */
	err = ks_orc_decode(KS_ORC_LAYOUT_V1, r, &o);
	assert_non_null(err);
	assert_non_null(strstr(err->message, "unused bits"));
	ks_error_destroy(err);
	raw(r, 8, 0, KS_ORC_REG_SP | 3 << 8);	/* type 3 */
	err = ks_orc_decode(KS_ORC_LAYOUT_V1, r, &o);
	assert_non_null(err);
	ks_error_destroy(err);
	raw(r, 8, 0, KS_ORC_REG_PREV_SP);	/* PREV_SP cannot be a CFA base */
	err = ks_orc_decode(KS_ORC_LAYOUT_V1, r, &o);
	assert_non_null(err);
	ks_error_destroy(err);
	raw(r, 8, 0, 10);			/* register 10 does not exist */
	err = ks_orc_decode(KS_ORC_LAYOUT_V1, r, &o);
	assert_non_null(err);
	ks_error_destroy(err);
	raw(r, 8, 0, KS_ORC_REG_SP | KS_ORC_REG_DX << 4);	/* bp from DX */
	err = ks_orc_decode(KS_ORC_LAYOUT_V1, r, &o);
	assert_non_null(err);
	ks_error_destroy(err);
}

static void decode_v2_signal_and_end(void **state)
{
	uint8_t r[6];
	struct ks_orc o;

	(void)state;
	raw(r, 8, 0, KS_ORC_REG_SP | 0 << 8 | 1 << 10);	/* CALL + signal */
	assert_no_error(ks_orc_decode(KS_ORC_LAYOUT_V2, r, &o));
	assert_int_equal(o.type, KS_ORC_TYPE_CALL);
	assert_int_equal(o.signal, 1);
	raw(r, 0, 0, 1 << 11);	/* end moved to bit 11 */
	assert_no_error(ks_orc_decode(KS_ORC_LAYOUT_V2, r, &o));
	assert_int_equal(o.type, KS_ORC_TYPE_END_OF_STACK);
}

static void decode_v3_types(void **state)
{
	uint8_t r[6];
	struct ks_orc o;
	struct ks_error *err;

	(void)state;
	raw(r, 8, 0, KS_ORC_REG_SP | 2 << 8);
	assert_no_error(ks_orc_decode(KS_ORC_LAYOUT_V3, r, &o));
	assert_int_equal(o.type, KS_ORC_TYPE_CALL);
	assert_int_equal(o.signal, 0);
	raw(r, 0, 0, 1 << 8);
	assert_no_error(ks_orc_decode(KS_ORC_LAYOUT_V3, r, &o));
	assert_int_equal(o.type, KS_ORC_TYPE_END_OF_STACK);
	raw(r, 0, 0, KS_ORC_REG_SP | 3 << 8 | 1 << 11);
	assert_no_error(ks_orc_decode(KS_ORC_LAYOUT_V3, r, &o));
	assert_int_equal(o.type, KS_ORC_TYPE_REGS);
	assert_int_equal(o.signal, 1);
	raw(r, 0, 0, KS_ORC_REG_SP | 5 << 8);	/* no type 5 */
	err = ks_orc_decode(KS_ORC_LAYOUT_V3, r, &o);
	assert_non_null(err);
	ks_error_destroy(err);
	err = ks_orc_decode(KS_ORC_LAYOUT_UNKNOWN, r, &o);
	assert_non_null(err);
	ks_error_destroy(err);
}

static void layout_by_kernel_version(void **state)
{
	enum ks_orc_layout l;
	struct ks_error *err;

	(void)state;
	assert_int_equal(ks_orc_layout_for_kernel(KS_KERNEL_VERSION(6, 1, 0)), KS_ORC_LAYOUT_V1);
	assert_int_equal(ks_orc_layout_for_kernel(KS_KERNEL_VERSION(6, 2, 16)), KS_ORC_LAYOUT_V1);
	assert_int_equal(ks_orc_layout_for_kernel(KS_KERNEL_VERSION(6, 3, 1)), KS_ORC_LAYOUT_V2);
	assert_int_equal(ks_orc_layout_for_kernel(KS_KERNEL_VERSION(6, 4, 0)), KS_ORC_LAYOUT_V3);
	assert_int_equal(ks_orc_layout_for_kernel(KS_KERNEL_VERSION(6, 12, 0)), KS_ORC_LAYOUT_V3);
	assert_int_equal(ks_orc_layout_for_kernel(KS_KERNEL_VERSION(4, 13, 0)), KS_ORC_LAYOUT_UNKNOWN);

	assert_no_error(ks_kernel_orc_layout(1, "6.1.0-26-amd64", &l));
	assert_int_equal(l, KS_ORC_LAYOUT_V1);
	assert_no_error(ks_kernel_orc_layout(0, "6.8.0", &l));
	assert_int_equal(l, KS_ORC_LAYOUT_V3);
	/* the driver and the version disagree: refuse, do not guess */
	err = ks_kernel_orc_layout(3, "6.1.0-26-amd64", &l);
	assert_non_null(err);
	ks_error_destroy(err);
	err = ks_kernel_orc_layout(0, "not-a-version", &l);
	assert_non_null(err);
	ks_error_destroy(err);
	err = ks_kernel_orc_layout(0, "4.9.0", &l);
	assert_non_null(err);
	ks_error_destroy(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decode_v1_call),
		cmocka_unit_test(decode_v1_regs_set_signal),
		cmocka_unit_test(decode_v1_end_and_undefined),
		cmocka_unit_test(decode_v1_rejects_impossible),
		cmocka_unit_test(decode_v2_signal_and_end),
		cmocka_unit_test(decode_v3_types),
		cmocka_unit_test(layout_by_kernel_version),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
