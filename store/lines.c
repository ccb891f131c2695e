/*
 * lines.c - the binary rule and the streaming line counter; see lines.h.
 *
 * SipHash (Aumasson and Bernstein, 2012) keeps four 64-bit words of state.
 * The input is taken 8 bytes at a time as little-endian words, each mixed
 * in with two rounds; the last 0-7 bytes and the length's low byte (in
 * the top byte) make a final word; four rounds then give the first half
 * of the 128-bit output, and four more the second. The counter runs that
 * over each line as its bytes arrive, carrying a part word across chunks,
 * so a line split between two chunks hashes as if it came whole.
 */
#include "lines.h"

#include <string.h>

/* mic's fixed key: the bytes of "mic line hash v1" */
static const unsigned char line_key[16] = {
    'm',
    'i',
    'c',
    ' ',
    'l',
    'i',
    'n',
    'e',
    ' ',
    'h',
    'a',
    's',
    'h',
    ' ',
    'v',
    '1',
};

int
mic_lines_too_big(uint64_t size)
{
	return size > MIC_LINES_MAX_SIZE;
}

int
mic_lines_is_binary(const void *data, size_t len)
{
	if (mic_lines_too_big(len))
		return 1;
	if (len == 0)
		return 0;
	return memchr(data, '\0',
		   len < MIC_BINARY_PROBE ? len : MIC_BINARY_PROBE) != NULL;
}

static uint64_t
load_le64(const unsigned char *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	    (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
	    (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

static uint64_t
rotl(uint64_t x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static void
sip_rounds(uint64_t *v, int n)
{
	while (n-- > 0) {
		v[0] += v[1];
		v[1] = rotl(v[1], 13);
		v[1] ^= v[0];
		v[0] = rotl(v[0], 32);
		v[2] += v[3];
		v[3] = rotl(v[3], 16);
		v[3] ^= v[2];
		v[0] += v[3];
		v[3] = rotl(v[3], 21);
		v[3] ^= v[0];
		v[2] += v[1];
		v[1] = rotl(v[1], 17);
		v[1] ^= v[2];
		v[2] = rotl(v[2], 32);
	}
}

/* The state before any input, for the 128-bit output. */
static void
sip_init(struct mic_sip *s, const unsigned char key[16])
{
	uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);

	s->v[0] = k0 ^ 0x736f6d6570736575ULL;
	s->v[1] = k1 ^ 0x646f72616e646f6dULL ^ 0xee;
	s->v[2] = k0 ^ 0x6c7967656e657261ULL;
	s->v[3] = k1 ^ 0x7465646279746573ULL;
	s->tail = 0;
	s->len = 0;
}

static void
sip_word(struct mic_sip *s, uint64_t m)
{
	s->v[3] ^= m;
	sip_rounds(s->v, 2);
	s->v[0] ^= m;
}

/* Take n more input bytes. */
static void
sip_add(struct mic_sip *s, const unsigned char *p, size_t n)
{
	unsigned fill = (unsigned)(s->len & 7);

	s->len += n;
	if (fill) {
		while (fill < 8 && n > 0) {
			s->tail |= (uint64_t)*p++ << (8 * fill++);
			n--;
		}
		if (fill < 8)
			return;
		sip_word(s, s->tail);
		s->tail = 0;
	}
	for (; n >= 8; p += 8, n -= 8)
		sip_word(s, load_le64(p));
	for (fill = 0; n > 0; n--)
		s->tail |= (uint64_t)*p++ << (8 * fill++);
}

static void
sip_end(struct mic_sip *s, struct mic_line_hash *out)
{
	uint64_t *v = s->v;

	sip_word(s, s->tail | s->len << 56);
	v[2] ^= 0xee;
	sip_rounds(v, 4);
	out->h[0] = v[0] ^ v[1] ^ v[2] ^ v[3];
	v[1] ^= 0xdd;
	sip_rounds(v, 4);
	out->h[1] = v[0] ^ v[1] ^ v[2] ^ v[3];
}

void
mic_siphash128(const unsigned char key[16], const void *data, size_t len,
    struct mic_line_hash *out)
{
	struct mic_sip s;

	sip_init(&s, key);
	sip_add(&s, data, len);
	sip_end(&s, out);
}

void
mic_line_hash(const void *data, size_t len, struct mic_line_hash *out)
{
	mic_siphash128(line_key, data, len, out);
}

void
mic_lines_init(struct mic_lines *l, mic_line_fn fn, void *ctx)
{
	memset(l, 0, sizeof(*l));
	l->fn = fn;
	l->ctx = ctx;
	sip_init(&l->line, line_key);
}

/* The current line is complete: pass its hash on, start the next. */
static void
line_end(struct mic_lines *l)
{
	struct mic_line_hash h;

	sip_end(&l->line, &h);
	l->fn(l->ctx, &h);
	sip_init(&l->line, line_key);
}

/*
 * The rule first: a NUL among the bytes still within the probe, or a size
 * now past the limit, makes the content binary, and then nothing more is
 * looked at. Otherwise each '\n' ends a line: it is counted and, with fn,
 * the bytes up to and including it finish the line's hash, which is
 * passed on; the bytes after the last '\n' start the next line's hash.
 */
void
mic_lines_add(struct mic_lines *l, const void *data, size_t len)
{
	const unsigned char *p = data, *end = p + len, *nl;

	if (len == 0 || l->binary) {
		l->size += len;
		return;
	}
	if (l->size < MIC_BINARY_PROBE &&
	    memchr(p, '\0',
		len < MIC_BINARY_PROBE - l->size
		    ? len
		    : (size_t)(MIC_BINARY_PROBE - l->size)))
		l->binary = 1;
	l->size += len;
	if (mic_lines_too_big(l->size))
		l->binary = 1;
	if (l->binary)
		return;
	l->last = end[-1];
	while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		l->lines++;
		if (l->fn) {
			sip_add(&l->line, p, (size_t)(nl + 1 - p));
			line_end(l);
		}
		p = nl + 1;
	}
	if (l->fn && p < end)
		sip_add(&l->line, p, (size_t)(end - p));
}

int64_t
mic_lines_finish(struct mic_lines *l)
{
	if (l->binary)
		return -1;
	if (l->size > 0 && l->last != '\n') {
		l->lines++;
		if (l->fn)
			line_end(l);
	}
	return l->lines;
}
