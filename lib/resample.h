/*
 * resample.h: a separable Lanczos-3 resampler for 8-bit images of 1, 3 or 4
 * interleaved channels, fed one source row at a time so a decoder never
 * has to hold the whole source in memory. Filtering is in float, in the
 * image's own (gamma-encoded) space, as vipsthumbnail does by default.
 */
#ifndef FOLIO_RESAMPLE_H
#define FOLIO_RESAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct resample;

/*
 * Makes a resampler from sw x sh to dw x dh pixels of ch channels (1, 3 or
 * 4; with alpha, the last channel is alpha and colour is premultiplied
 * while filtering, so transparent pixels lend no colour to their
 * neighbours). Output rows go into dst, which the caller owns and which
 * holds dh rows of dw * ch bytes. Shrinking and enlarging both work (the
 * kernel widens with the shrink factor). Memory used is about
 * (6 * sw / dw + 2) * dw * ch * 4 bytes of filter rows plus the weight
 * tables: independent of sh and small next to the source. Returns NULL if a
 * size is 0, a size is over RESAMPLE_DIM_MAX, ch is not 1, 3 or 4, or an
 * allocation fails (errno ENOMEM or EINVAL).
 */
struct resample *resample_new(uint32_t sw, uint32_t sh, uint32_t dw,
	    uint32_t dh, int ch, bool alpha, uint8_t *dst);

/* Largest width or height accepted (JPEG's own bound is 65535). */
#define RESAMPLE_DIM_MAX	(1u << 20)

/*
 * Feeds the next source row (sw * ch bytes, rows in order from the top).
 * Output rows are written to dst as soon as every source row they need has
 * arrived. Returns 0, or -1 if all sh rows were already fed.
 */
int	resample_row(struct resample *r, const uint8_t *src);

/* True once all dh output rows are in dst (i.e. after the sh-th row). */
bool	resample_done(const struct resample *r);

void	resample_free(struct resample *r);

/*
 * One call for a whole image in memory: src has sh rows of src_stride
 * bytes. Returns 0, or -1 as resample_new.
 */
int	resample_image(const uint8_t *src, uint32_t sw, uint32_t sh,
	    size_t src_stride, uint8_t *dst, uint32_t dw, uint32_t dh, int ch,
	    bool alpha);

#endif
