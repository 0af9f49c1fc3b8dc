// SPDX-License-Identifier: GPL-2.0
/*
 * Anti-replay window: check before the ICV is verified (cheap rejection),
 * advance only after it verified (a forged packet never moves the window),
 * and check again at that point, under the SA's lock, because another CPU
 * may have accepted the same number meanwhile.
 */

#include <kunit/visibility.h>
#include <linux/export.h>
#include <linux/string.h>

#include "replay.h"

void nfipsec_replay_init(struct nfipsec_replay *r, u32 window)
{
	memset(r, 0, sizeof(*r));
	r->window = min(window, NFIPSEC_REPLAY_MAX);
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_replay_init);

/*
 * The full 64-bit sequence number of a packet that carries seq_lo, per
 * RFC 4303 appendix A2.2: the high half is the window top's, or one more
 * when seq_lo lies right of the window, or one less when the window spans
 * two halves and seq_lo lies in the lower one. Without ESN it is seq_lo.
 * An impossible result (below the first half) comes back as 0, which
 * nfipsec_replay_check refuses.
 */
u64 nfipsec_replay_infer(const struct nfipsec_replay *r, u32 seq_lo, bool esn)
{
	u32 w = max(r->window, 1U);
	u32 th = upper_32_bits(r->top);
	u32 tl = lower_32_bits(r->top);
	u32 bottom = tl - w + 1;	/* modulo 2^32 */

	if (!esn)
		return seq_lo;
	if (tl >= w - 1) {
		/* The window lies within one half: [bottom, tl]. */
		if (seq_lo >= bottom)
			return (u64)th << 32 | seq_lo;
		return (u64)(th + 1) << 32 | seq_lo;
	}
	/* The window spans halves th - 1 and th. */
	if (seq_lo >= bottom) {
		if (!th)
			return 0;
		return (u64)(th - 1) << 32 | seq_lo;
	}
	return (u64)th << 32 | seq_lo;
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_replay_infer);

static bool replay_test_bit(const struct nfipsec_replay *r, u64 seq)
{
	return test_bit(seq & (NFIPSEC_REPLAY_RING - 1), r->ring);
}

enum nfipsec_replay_verdict
nfipsec_replay_check(const struct nfipsec_replay *r, u64 seq)
{
	if (!seq)
		return NFIPSEC_REPLAY_OLD;
	if (!r->window || seq > r->top)
		return NFIPSEC_REPLAY_OK;
	if (r->top - seq >= r->window)
		return NFIPSEC_REPLAY_OLD;
	return replay_test_bit(r, seq) ? NFIPSEC_REPLAY_DUP : NFIPSEC_REPLAY_OK;
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_replay_check);

/* Record seq, which nfipsec_replay_check accepted and whose ICV verified. */
void nfipsec_replay_advance(struct nfipsec_replay *r, u64 seq)
{
	const u64 words = NFIPSEC_REPLAY_WORDS;
	u64 top_word, new_word, i;

	if (!r->window) {
		r->top = max(r->top, seq);
		return;
	}
	if (seq > r->top) {
		/* Clear the words between the old top's and the new one's. */
		top_word = r->top / BITS_PER_LONG;
		new_word = seq / BITS_PER_LONG;
		if (new_word - top_word >= words) {
			memset(r->ring, 0, sizeof(r->ring));
		} else {
			for (i = top_word + 1; i <= new_word; i++)
				r->ring[i % words] = 0;
		}
		r->top = seq;
	}
	__set_bit(seq & (NFIPSEC_REPLAY_RING - 1), r->ring);
}
EXPORT_SYMBOL_IF_KUNIT(nfipsec_replay_advance);
