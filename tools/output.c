// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <inttypes.h>

#include "output.h"

bool nfi_json;

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

void jw_end(void)
{
	putchar('\n');
}
