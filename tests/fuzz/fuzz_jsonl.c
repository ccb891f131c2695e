/*
 * fuzz_jsonl.c - the streaming JSON Lines reader (store/jsonl.c).
 *
 * Input: the bytes of a file, read to the end with mic_jsonl_next().
 * Errors are expected; what must hold:
 *   - nothing crashes, leaks memory or a file descriptor;
 *   - the tokens nest: every end matches its opening, r.depth is the
 *     number of containers open, names come only where an object expects
 *     one, never deeper than MIC_JSON_DEPTH;
 *   - no token's text is longer than MIC_JSON_PART (and one character);
 *     only strings come in parts, and parts follow each other;
 *   - the offsets of MIC_JSON_END grow, within the input, with nothing
 *     open; the reader stops at MIC_JSON_EOF only with nothing open;
 *   - a reader started at the first END's offset (as a resumed import
 *     is) gives exactly the tokens the first one gave after it.
 */
#include "../../store/jsonl.h"
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[4096];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char dir[4096];

	(void)argc;
	(void)argv;
	fuzz_tmpdir("jsonl", dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/input.jsonl", dir);
	fuzz_fd_baseline();
	return 0;
}

/*
 * Read fd from offset start (line 1 there) to the end; the tokens and
 * their text go to trace, and *mark is its length after the first END.
 * Checks the invariants above; returns the offset of the first END (0:
 * none).
 */
static uint64_t
read_all(int fd, uint64_t start, size_t size, struct mic_buf *trace,
    size_t *mark)
{
	struct mic_jsonl r;
	enum mic_json_tok tok;
	unsigned char stack[MIC_JSON_DEPTH];
	uint64_t first_end = 0, last_end = start;
	int depth = 0, in_string = 0, expect_key = 0;
	const struct mic_error *err;

	mic_jsonl_init_at(&r, fd, start, 1);
	for (;;) {
		err = mic_jsonl_next(&r, &tok);
		if (err) {
			FUZZ_ASSERT(err->code == MIC_ERR_DATA,
			    "an error other than bad data: %s", err->msg);
			mic_buf_addf(trace, "E");
			break;
		}
		FUZZ_ASSERT(!in_string || tok == MIC_JSON_STR,
		    "a string's parts are interrupted by token %d", tok);
		FUZZ_ASSERT(r.str.len <= MIC_JSON_PART + 4,
		    "a token of %zu bytes", r.str.len);
		FUZZ_ASSERT(!r.more || tok == MIC_JSON_STR,
		    "more is set on a token that is not a string");
		mic_buf_addf(trace, "%d:%zu:", (int)tok, r.str.len);
		if (tok == MIC_JSON_KEY || tok == MIC_JSON_STR ||
		    tok == MIC_JSON_NUM)
			mic_buf_add(trace, r.str.data, r.str.len);
		switch (tok) {
		case MIC_JSON_EOF:
			FUZZ_ASSERT(depth == 0 && !in_string,
			    "EOF with containers open");
			break;
		case MIC_JSON_PARTIAL: break;
		case MIC_JSON_OBJ:
		case MIC_JSON_ARR:
			FUZZ_ASSERT(!expect_key, "a value where a name goes");
			FUZZ_ASSERT(depth < MIC_JSON_DEPTH, "too deep");
			stack[depth++] = tok == MIC_JSON_OBJ ? '{' : '[';
			expect_key = tok == MIC_JSON_OBJ;
			break;
		case MIC_JSON_OBJ_END:
		case MIC_JSON_ARR_END:
			FUZZ_ASSERT(depth > 0 &&
				stack[depth - 1] ==
				    (tok == MIC_JSON_OBJ_END ? '{' : '['),
			    "an end that does not match");
			depth--;
			expect_key = depth > 0 && stack[depth - 1] == '{';
			break;
		case MIC_JSON_KEY:
			FUZZ_ASSERT(expect_key, "a name where none goes");
			expect_key = 0;
			break;
		case MIC_JSON_END:
			FUZZ_ASSERT(depth == 0, "END with containers open");
			FUZZ_ASSERT(r.end > last_end,
			    "END offsets do not grow");
			FUZZ_ASSERT(r.end <= size, "END past the input");
			last_end = r.end;
			if (first_end == 0) {
				first_end = r.end;
				*mark = trace->len;
			}
			break;
		default:
			FUZZ_ASSERT(!expect_key, "a value where a name goes");
			in_string = tok == MIC_JSON_STR && r.more;
			if (!in_string)
				expect_key =
				    depth > 0 && stack[depth - 1] == '{';
			break;
		}
		FUZZ_ASSERT(r.depth == depth, "depth %d, counted %d", r.depth,
		    depth);
		if (tok == MIC_JSON_EOF || tok == MIC_JSON_PARTIAL)
			break;
	}
	mic_jsonl_release(&r);
	return first_end;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mic_buf whole = MIC_BUF_INIT, rest = MIC_BUF_INIT;
	uint64_t first_end;
	size_t mark = 0, rest_mark = 0;
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	FUZZ_ASSERT(fd != -1, "open %s: %s", path, strerror(errno));
	FUZZ_ASSERT(write(fd, data, size) == (ssize_t)size, "write");
	FUZZ_ASSERT(lseek(fd, 0, SEEK_SET) == 0, "lseek");
	first_end = read_all(fd, 0, size, &whole, &mark);
	if (first_end > 0) {
		/* the tokens after the first END, as a resumed reader sees */
		FUZZ_ASSERT(lseek(fd, (off_t)first_end, SEEK_SET) ==
			(off_t)first_end,
		    "lseek");
		read_all(fd, first_end, size, &rest, &rest_mark);
		FUZZ_ASSERT(whole.len - mark == rest.len &&
			memcmp(whole.data + mark, rest.data, rest.len) == 0,
		    "a reader resumed at offset %llu reads otherwise",
		    (unsigned long long)first_end);
	}
	close(fd);
	mic_buf_release(&whole);
	mic_buf_release(&rest);
	fuzz_fd_check();
	return 0;
}
