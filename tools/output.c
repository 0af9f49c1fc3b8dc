// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <inttypes.h>

#include "output.h"

bool nfi_json;
bool nfi_oneline;

#define JW_DEPTH 16
static int depth;
static bool need_comma[JW_DEPTH];

static void jw_member(const char *key)
{
	if (depth > 0 && need_comma[depth - 1])
		putchar(',');
	if (depth > 0)
		need_comma[depth - 1] = true;
	if (key)
		printf("\"%s\":", key);
}

static void jw_quoted(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void jw_open(const char *key, char c)
{
	jw_member(key);
	putchar(c);
	if (depth < JW_DEPTH)
		need_comma[depth] = false;
	depth++;
}

void jw_open_array(const char *key)
{
	jw_open(key, '[');
}

void jw_close_array(void)
{
	depth--;
	putchar(']');
}

void jw_open_object(const char *key)
{
	jw_open(key, '{');
}

void jw_close_object(void)
{
	depth--;
	putchar('}');
}

void jw_string(const char *key, const char *val)
{
	jw_member(key);
	jw_quoted(val);
}

void jw_u64(const char *key, uint64_t val)
{
	jw_member(key);
	printf("%" PRIu64, val);
}

void jw_bool(const char *key, bool val)
{
	jw_member(key);
	fputs(val ? "true" : "false", stdout);
}

void jw_end(void)
{
	putchar('\n');
}

static bool line_start = true;

void nfi_out_word(const char *word)
{
	if (nfi_json)
		return;
	if (!line_start)
		putchar(' ');
	fputs(word, stdout);
	line_start = false;
}

void nfi_out_line(const char *indent)
{
	if (nfi_json)
		return;
	if (nfi_oneline && indent)
		fputs(" \\", stdout);
	else
		putchar('\n');
	if (indent)
		fputs(indent, stdout);
	line_start = true;
}

void nfi_out_str(const char *key, const char *val)
{
	if (nfi_json) {
		jw_string(key, val);
		return;
	}
	nfi_out_word(key);
	nfi_out_word(val);
}

void nfi_out_u64(const char *key, uint64_t val)
{
	if (nfi_json) {
		jw_u64(key, val);
		return;
	}
	nfi_out_word(key);
	nfi_out_val_u64(key, val);
}

void nfi_out_val_str(const char *key, const char *val)
{
	if (nfi_json)
		jw_string(key, val);
	else
		nfi_out_word(val);
}

void nfi_out_val_u64(const char *key, uint64_t val)
{
	char buf[24];

	if (nfi_json) {
		jw_u64(key, val);
		return;
	}
	snprintf(buf, sizeof(buf), "%" PRIu64, val);
	nfi_out_word(buf);
}

void nfi_out_open(const char *key, const char *word)
{
	if (nfi_json)
		jw_open_object(key);
	else if (word)
		nfi_out_word(word);
}

void nfi_out_close(void)
{
	if (nfi_json)
		jw_close_object();
}

void nfi_out_open_list(const char *key)
{
	if (nfi_json)
		jw_open_array(key);
	else
		nfi_out_word(key);
}

void nfi_out_item(const char *word)
{
	if (nfi_json)
		jw_string(NULL, word);
	else
		nfi_out_word(word);
}

void nfi_out_close_list(void)
{
	if (nfi_json)
		jw_close_array();
}
