/*
 * Copyright (C) 2026 The nfipsec authors
 *
 * This program is free software; you can redistribute it and/or modify it
 * under the terms of the GNU General Public License as published by the
 * Free Software Foundation; either version 2 of the License, or (at your
 * option) any later version.  See <http://www.fsf.org/copyleft/gpl.txt>.
 *
 * This program is distributed in the hope that it will be useful, but
 * WITHOUT ANY WARRANTY; without even the implied warranty of MERCHANTABILITY
 * or FITNESS FOR A PARTICULAR PURPOSE.  See the GNU General Public License
 * for more details.
 */

#define _GNU_SOURCE
#include <link.h>
#include <string.h>

#include "kernel_nfipsec_plugin.h"
#include "kernel_nfipsec_ipsec.h"

#include <daemon.h>

#ifndef NFIPSEC_SS_SOURCE
#define NFIPSEC_SS_SOURCE "unknown"
#endif

typedef struct private_kernel_nfipsec_plugin_t private_kernel_nfipsec_plugin_t;

/**
 * private data of kernel nfipsec plugin
 */
struct private_kernel_nfipsec_plugin_t {

	/**
	 * implements plugin interface
	 */
	kernel_nfipsec_plugin_t public;
};

METHOD(plugin_t, get_name, char*,
	private_kernel_nfipsec_plugin_t *this)
{
	return "kernel-nfipsec";
}

METHOD(plugin_t, get_features, int,
	private_kernel_nfipsec_plugin_t *this, plugin_feature_t *features[])
{
	static plugin_feature_t f[] = {
		PLUGIN_CALLBACK(kernel_ipsec_register, kernel_nfipsec_ipsec_create),
			PLUGIN_PROVIDE(CUSTOM, "kernel-ipsec"),
	};
	*features = f;
	return countof(f);
}

METHOD(plugin_t, destroy, void,
	private_kernel_nfipsec_plugin_t *this)
{
	free(this);
}

/**
 * What the daemon's version search found
 */
typedef struct {
	/** the built-against VERSION appears as strongSwan's version */
	bool match;
	/** another version, as "strongSwan X" shows it */
	char other[32];
} version_search_t;

/**
 * Whether c may follow a version string (not part of a longer one)
 */
static bool version_end(char c)
{
	return !(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'z') &&
		   !(c >= 'A' && c <= 'Z') && c != '.';
}

/**
 * Look for the daemon's version in one read-only segment: libstrongswan and
 * libcharon carry no version string, the daemon binary does (charon's
 * "Starting IKE charon daemon (strongSwan VERSION, ...)", or VERSION alone
 * where the daemon prints it with %s, as charon-systemd does).
 */
static void search_segment(version_search_t *search, const char *start,
						   size_t len)
{
	static const char prefix[] = "strongSwan ";
	const char *version = VERSION, *pos, *end = start + len;
	size_t vlen = strlen(version);

	for (pos = start; pos && pos < end;)
	{
		pos = memmem(pos, end - pos, prefix, strlen(prefix));
		if (!pos)
		{
			break;
		}
		pos += strlen(prefix);
		if (pos < end && *pos >= '0' && *pos <= '9')
		{
			if ((size_t)(end - pos) > vlen &&
				memeq(pos, version, vlen) && version_end(pos[vlen]))
			{
				search->match = TRUE;
				return;
			}
			if (!search->other[0])
			{
				size_t n = 0;

				while (pos + n < end && n < sizeof(search->other) - 1 &&
					   !version_end(pos[n]))
				{
					n++;
				}
				memcpy(search->other, pos, n);
				search->other[n] = '\0';
			}
		}
	}
	/* VERSION as a string of its own: "\0" VERSION "\0" */
	for (pos = start; pos && pos + vlen + 1 < end;)
	{
		pos = memmem(pos, end - pos, version, vlen + 1);
		if (!pos)
		{
			break;
		}
		if (pos > start && pos[-1] == '\0')
		{
			search->match = TRUE;
			return;
		}
		pos++;
	}
}

/**
 * dl_iterate_phdr() callback: the first object is the main program
 */
static int search_main_program(struct dl_phdr_info *info, size_t size,
							   void *data)
{
	version_search_t *search = data;
	int i;

	for (i = 0; i < info->dlpi_phnum && !search->match; i++)
	{
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_R) &&
			!(ph->p_flags & PF_W))
		{
			search_segment(search,
						   (const char*)(info->dlpi_addr + ph->p_vaddr),
						   ph->p_filesz);
		}
	}
	return 1;
}

/**
 * Whether the running daemon is the strongSwan version this plugin was
 * compiled against: strongSwan does no ABI check of its own, and a plugin
 * of another version misreads kernel_ipsec_t's argument structures.
 */
static bool version_matches()
{
	version_search_t search = {};

	dl_iterate_phdr(search_main_program, &search);
	if (search.match)
	{
		return TRUE;
	}
	/*
	 * Level 0: unlike the refusals of kernel_nfipsec_ipsec_create(), no
	 * refusing kernel-ipsec can be registered here (its structures are
	 * this version's, not the daemon's). Loaded critical (the "!" of
	 * kernel-nfipsec.conf), charon stops; otherwise kernel-netlink keys XFRM.
	 */
	if (search.other[0])
	{
		DBG0(DBG_KNL, "kernel-nfipsec plugin was built for strongSwan %s "
			 "(source %s), this daemon is strongSwan %s: refusing to load, "
			 "rebuild the plugin against this version; unless the plugin is "
			 "critical (charon then stops), kernel-netlink keys Linux XFRM "
			 "instead of nfipsec", VERSION, NFIPSEC_SS_SOURCE, search.other);
	}
	else
	{
		DBG0(DBG_KNL, "kernel-nfipsec plugin was built for strongSwan %s "
			 "(source %s) and cannot find that version in this daemon: "
			 "refusing to load, rebuild the plugin against this version; "
			 "unless the plugin is critical (charon then stops), "
			 "kernel-netlink keys Linux XFRM instead of nfipsec",
			 VERSION, NFIPSEC_SS_SOURCE);
	}
	return FALSE;
}

/*
 * see header file
 */
plugin_t *kernel_nfipsec_plugin_create()
{
	private_kernel_nfipsec_plugin_t *this;

	if (!version_matches())
	{
		return NULL;
	}
	if (!lib->caps->check(lib->caps, CAP_NET_ADMIN))
	{	/* every nfipsec command needs it */
		DBG1(DBG_KNL, "kernel-nfipsec plugin requires CAP_NET_ADMIN "
			 "capability");
		return NULL;
	}
	DBG1(DBG_KNL, "kernel-nfipsec plugin for strongSwan %s (source %s)",
		 VERSION, NFIPSEC_SS_SOURCE);

	INIT(this,
		.public = {
			.plugin = {
				.get_name = _get_name,
				.get_features = _get_features,
				.destroy = _destroy,
			},
		},
	);
	return &this->public.plugin;
}
