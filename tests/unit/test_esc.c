/* test_esc.c - terminal-safe rendering of untrusted text. */
#include <check.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/esc.h"

#define REPL "\xef\xbf\xbd"

static struct buf out;

static void
setup(void)
{
	buf_init(&out, 16 * 1024 * 1024);
}

static void
teardown(void)
{
	buf_free(&out);
}

/* Render n bytes of s afresh; returns the rendering (NUL-terminated). */
static const char *
render(const char *s, size_t n)
{
	buf_clear(&out);
	ck_assert_int_eq(esc_text(&out, s, n), 0);
	return out.p != NULL ? out.p : "";
}

#define RENDER(lit) render((lit), sizeof(lit) - 1)

/* True when the rendering holds no byte a terminal would act on. */
static bool
inert(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return false;
		/* C1 in UTF-8 is C2 80..C2 9F. */
		if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9f)
			return false;
		/* Bidi controls are E2 80 AA..AE and E2 81 A6..A9. */
		if (c == 0xe2 && i + 2 < n &&
		    (((unsigned char)s[i + 1] == 0x80 &&
		         (unsigned char)s[i + 2] >= 0xaa &&
		         (unsigned char)s[i + 2] <= 0xae) ||
		        ((unsigned char)s[i + 1] == 0x81 &&
		            (unsigned char)s[i + 2] >= 0xa6 &&
		            (unsigned char)s[i + 2] <= 0xa9)))
			return false;
	}
	return true;
}

START_TEST(printable_ascii_is_copied_unchanged)
{
	ck_assert_str_eq(RENDER("Starting automation execution: 100% {ok}"),
	    "Starting automation execution: 100% {ok}");
	ck_assert_str_eq(RENDER(""), "");
}
END_TEST

START_TEST(attack_string_renders_as_visible_text)
{
	const char *r = RENDER("\x1b]0;pwned\x07\x1b[2J\r[fake] line");

	ck_assert_str_eq(r, "\\x1b]0;pwned\\x07\\x1b[2J\\r[fake] line");
	ck_assert(inert(out.p, out.len));
}
END_TEST

START_TEST(line_feed_return_and_tab_get_named_escapes)
{
	ck_assert_str_eq(RENDER("a\nb\rc\td"), "a\\nb\\rc\\td");
}
END_TEST

START_TEST(other_c0_controls_and_del_get_hex_escapes)
{
	ck_assert_str_eq(RENDER("\x00\x01\x07\x08\x0b\x0c\x1b\x1f\x7f"),
	    "\\x00\\x01\\x07\\x08\\x0b\\x0c\\x1b\\x1f\\x7f");
}
END_TEST

START_TEST(nul_does_not_end_the_text)
{
	ck_assert_str_eq(RENDER("before\0after"), "before\\x00after");
}
END_TEST

START_TEST(backslash_stays_a_single_backslash)
{
	ck_assert_str_eq(RENDER("C:\\temp\\new \\x1b"), "C:\\temp\\new \\x1b");
}
END_TEST

START_TEST(utf8_encoded_c1_controls_get_u_escapes)
{
	ck_assert_str_eq(RENDER("a\xc2\x85"
	                        "b\xc2\x9b"
	                        "c\xc2\x80"),
	    "a\\u0085b\\u009bc\\u0080");
	/* U+00A0, just past C1, is ordinary text. */
	ck_assert_str_eq(RENDER("\xc2\xa0"), "\xc2\xa0");
}
END_TEST

START_TEST(raw_c1_bytes_become_replacement_characters)
{
	ck_assert_str_eq(RENDER("a\x9b"
	                        "31m\x85"),
	    "a" REPL "31m" REPL);
}
END_TEST

START_TEST(bidi_overrides_and_isolates_get_u_escapes)
{
	ck_assert_str_eq(RENDER("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac"
	                        "\xe2\x80\xad\xe2\x80\xae"),
	    "\\u202a\\u202b\\u202c\\u202d\\u202e");
	ck_assert_str_eq(RENDER("\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8"
	                        "\xe2\x81\xa9"),
	    "\\u2066\\u2067\\u2068\\u2069");
	/* Neighbours are ordinary text: U+2029, U+202F, U+2065, U+206A. */
	ck_assert_str_eq(RENDER("\xe2\x80\xa9\xe2\x80\xaf\xe2\x81\xa5"
	                        "\xe2\x81\xaa"),
	    "\xe2\x80\xa9\xe2\x80\xaf\xe2\x81\xa5"
	    "\xe2\x81\xaa");
}
END_TEST

START_TEST(valid_utf8_is_copied_unchanged)
{
	const char *s = "caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 "
	                "\xf0\x9f\x98\x80 \xef\xbf\xbd \xf4\x8f\xbf\xbf";

	ck_assert_str_eq(render(s, strlen(s)), s);
}
END_TEST

START_TEST(invalid_utf8_gives_one_replacement_per_bad_byte)
{
	/* Overlong forms. */
	ck_assert_str_eq(RENDER("\xc0\x80"), REPL REPL);
	ck_assert_str_eq(RENDER("\xc1\xbf"), REPL REPL);
	ck_assert_str_eq(RENDER("\xe0\x80\xaf"), REPL REPL REPL);
	ck_assert_str_eq(RENDER("\xf0\x8f\xbf\xbf"), REPL REPL REPL REPL);
	/* UTF-16 surrogates encoded in UTF-8. */
	ck_assert_str_eq(RENDER("\xed\xa0\x80"), REPL REPL REPL);
	/* Past U+10FFFF, and bytes that never occur. */
	ck_assert_str_eq(RENDER("\xf4\x90\x80\x80"), REPL REPL REPL REPL);
	ck_assert_str_eq(RENDER("\xf5\xff\xfe"), REPL REPL REPL);
	/* Stray continuation bytes. */
	ck_assert_str_eq(RENDER("a\x80\xbf"
	                        "b"),
	    "a" REPL REPL "b");
}
END_TEST

START_TEST(truncated_sequences_keep_what_follows)
{
	ck_assert_str_eq(RENDER("\xe2\x82"
	                        "A"),
	    REPL REPL "A");
	ck_assert_str_eq(RENDER("end\xf0\x9f\x98"), "end" REPL REPL REPL);
	ck_assert_str_eq(RENDER("\xc3"), REPL);
}
END_TEST

START_TEST(every_single_byte_renders_inert)
{
	char c;
	int i;

	for (i = 0; i < 256; i++) {
		c = (char)i;
		render(&c, 1);
		ck_assert_msg(inert(out.p, out.len), "byte 0x%02x", i);
		ck_assert_uint_gt(out.len, 0);
	}
}
END_TEST

START_TEST(random_bytes_render_inert)
{
	unsigned seed = 1;
	char s[64];
	int round, i;

	for (round = 0; round < 20000; round++) {
		for (i = 0; i < (int)sizeof s; i++) {
			seed = seed * 1103515245u + 12345u;
			/* Bias towards the interesting bytes. */
			s[i] = (char)(seed >> 16 & 1 ? 0x80 | (seed >> 8)
			                             : seed >> 8);
		}
		render(s, sizeof s);
		ck_assert(inert(out.p, out.len));
	}
}
END_TEST

START_TEST(long_text_renders_the_same_across_chunks)
{
	/* Multi-byte sequences and escapes straddle every chunk boundary:
	 * the rendering must equal the item-by-item concatenation. */
	const char *items[] = {"\xe4\xb8\xad", "\x1b", "a", "\xc2\x85",
	    "\xf0\x9f\x98\x80", "\xff", "\xe2\x80\xae"};
	const char *want[] = {"\xe4\xb8\xad", "\\x1b", "a", "\\u0085",
	    "\xf0\x9f\x98\x80", REPL, "\\u202e"};
	struct buf in, expect;
	size_t i, k;

	buf_init(&in, 1 << 20);
	buf_init(&expect, 1 << 22);
	for (i = 0; i < 30000; i++) {
		k = (i * 7 + i / 3) % 7;
		ck_assert_int_eq(buf_puts(&in, items[k]), 0);
		ck_assert_int_eq(buf_puts(&expect, want[k]), 0);
	}
	render(in.p, in.len);
	ck_assert_uint_eq(out.len, expect.len);
	ck_assert(memcmp(out.p, expect.p, out.len) == 0);
	buf_free(&in);
	buf_free(&expect);
}
END_TEST

START_TEST(full_buffer_fails_with_a_prefix_of_the_rendering)
{
	const char *s = "abc\x1b[31mdef\xe4\xb8\xadghi";
	const char *whole = "abc\\x1b[31mdef\xe4\xb8\xadghi";
	struct buf small;
	size_t max;

	for (max = 0; max < strlen(whole); max++) {
		buf_init(&small, max);
		ck_assert_int_eq(esc_text(&small, s, strlen(s)), -1);
		ck_assert_uint_le(small.len, max);
		ck_assert(
		    small.len == 0 || memcmp(small.p, whole, small.len) == 0);
		buf_free(&small);
	}
	buf_init(&small, strlen(whole));
	ck_assert_int_eq(esc_text(&small, s, strlen(s)), 0);
	ck_assert_str_eq(small.p, whole);
	buf_free(&small);
}
END_TEST

START_TEST(rendering_appends_to_what_is_there)
{
	buf_clear(&out);
	ck_assert_int_eq(buf_puts(&out, "x="), 0);
	ck_assert_int_eq(esc_text(&out, "\t", 1), 0);
	ck_assert_str_eq(out.p, "x=\\t");
}
END_TEST

START_TEST(utf8_next_decodes_and_rejects)
{
	uint32_t cp = 0;

	ck_assert_uint_eq(esc_utf8_next("A", 1, &cp), 1);
	ck_assert_uint_eq(cp, 'A');
	ck_assert_uint_eq(esc_utf8_next("\xc3\xa9", 2, &cp), 2);
	ck_assert_uint_eq(cp, 0xe9);
	ck_assert_uint_eq(esc_utf8_next("\xe2\x80\xae", 3, &cp), 3);
	ck_assert_uint_eq(cp, 0x202e);
	ck_assert_uint_eq(esc_utf8_next("\xf4\x8f\xbf\xbf", 4, &cp), 4);
	ck_assert_uint_eq(cp, 0x10ffff);
	ck_assert_uint_eq(esc_utf8_next("\xc3\xa9", 1, &cp), 0);
	ck_assert_uint_eq(esc_utf8_next("\xed\xbf\xbf", 3, &cp), 0);
	ck_assert_uint_eq(esc_utf8_next("\xe0\x9f\xbf", 3, &cp), 0);
	ck_assert_uint_eq(esc_utf8_next("\xc3\x28", 2, &cp), 0);
}
END_TEST

START_TEST(line_escapes_like_text_and_cuts_between_items)
{
	char d[16], big[32];

	esc_line(big, sizeof big, "a\xc2\x85\xe2\x80\xae\xff\n");
	ck_assert_str_eq(big, "a\\u0085\\u202e" REPL "\\n");
	/* Room for 15 bytes: "ab" then \x1b twice fill 10, a third would
	 * need 14, a fourth 18: cut after the third, never inside one. */
	esc_line(d, sizeof d, "ab\x1b\x1b\x1b\x1b");
	ck_assert_str_eq(d, "ab\\x1b\\x1b\\x1b");
	esc_line(d, 1, "abc");
	ck_assert_str_eq(d, "");
}
END_TEST

START_TEST(line_escaped_twice_reads_the_same)
{
	char once[64], twice[64];

	esc_line(once, sizeof once, "x\xc2\x9b\x1b[2J\xe2\x81\xa6\xfe\\n");
	esc_line(twice, sizeof twice, once);
	ck_assert_str_eq(once, twice);
}
END_TEST

static Suite *
esc_suite(void)
{
	Suite *s = suite_create("esc");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, printable_ascii_is_copied_unchanged);
	tcase_add_test(tc, attack_string_renders_as_visible_text);
	tcase_add_test(tc, line_feed_return_and_tab_get_named_escapes);
	tcase_add_test(tc, other_c0_controls_and_del_get_hex_escapes);
	tcase_add_test(tc, nul_does_not_end_the_text);
	tcase_add_test(tc, backslash_stays_a_single_backslash);
	tcase_add_test(tc, utf8_encoded_c1_controls_get_u_escapes);
	tcase_add_test(tc, raw_c1_bytes_become_replacement_characters);
	tcase_add_test(tc, bidi_overrides_and_isolates_get_u_escapes);
	tcase_add_test(tc, valid_utf8_is_copied_unchanged);
	tcase_add_test(tc, invalid_utf8_gives_one_replacement_per_bad_byte);
	tcase_add_test(tc, truncated_sequences_keep_what_follows);
	tcase_add_test(tc, every_single_byte_renders_inert);
	tcase_add_test(tc, random_bytes_render_inert);
	tcase_add_test(tc, long_text_renders_the_same_across_chunks);
	tcase_add_test(tc, full_buffer_fails_with_a_prefix_of_the_rendering);
	tcase_add_test(tc, rendering_appends_to_what_is_there);
	tcase_add_test(tc, utf8_next_decodes_and_rejects);
	tcase_add_test(tc, line_escapes_like_text_and_cuts_between_items);
	tcase_add_test(tc, line_escaped_twice_reads_the_same);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(esc_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
