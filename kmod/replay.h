/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NFIPSEC_REPLAY_H
#define _NFIPSEC_REPLAY_H

#include <linux/bitops.h>
#include <linux/types.h>

/*
 * Anti-replay window of an inbound SA (RFC 4303 section 3.4.3, appendix A
 * for ESN), kept as a ring of bits that is never shifted (RFC 6479): bit
 * (seq mod NFIPSEC_REPLAY_RING) tells whether seq was received. The ring is
 * one word longer than the largest window, so that advancing only clears
 * whole words that fell out of the window.
 */
#define NFIPSEC_REPLAY_MAX	4096U
#define NFIPSEC_REPLAY_RING	(2 * NFIPSEC_REPLAY_MAX)
#define NFIPSEC_REPLAY_WORDS	BITS_TO_LONGS(NFIPSEC_REPLAY_RING)

struct nfipsec_replay {
	u64 top;	/* highest authenticated sequence number; 0: none */
	u32 window;	/* in packets; 0: no replay check */
	unsigned long ring[NFIPSEC_REPLAY_WORDS];
};

enum nfipsec_replay_verdict {
	NFIPSEC_REPLAY_OK,
	NFIPSEC_REPLAY_DUP,	/* already received */
	NFIPSEC_REPLAY_OLD,	/* left of the window, or seq 0 */
};

void nfipsec_replay_init(struct nfipsec_replay *r, u32 window);
u64 nfipsec_replay_infer(const struct nfipsec_replay *r, u32 seq_lo, bool esn);
enum nfipsec_replay_verdict
nfipsec_replay_check(const struct nfipsec_replay *r, u64 seq);
void nfipsec_replay_advance(struct nfipsec_replay *r, u64 seq);

#endif /* _NFIPSEC_REPLAY_H */
