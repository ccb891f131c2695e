/*
 * redact.h - secrets taken out of text before it is stored.
 *
 * Every text mic records from a conversation (a note, a decision, its
 * reasoning and alternatives, an imported message, the goal of a session
 * started for a transcript) goes through mic_redact() first, so that no
 * object, row or index ever holds a secret. Each secret found is replaced
 * by "[REDACTED:<rule>]"; the rules, one home for all of them:
 *
 *	aws-access-key	AKIA/ASIA/... and 16 more capitals or digits
 *	github-token	ghp_, gho_, ghu_, ghs_, ghr_ and 36 or more
 *			letters or digits; github_pat_ and 22 or more
 *	anthropic-key	sk-ant- and 20 or more
 *	openai-key	sk- (sk-proj-, ...) and 20 or more
 *	slack-token	xoxa-, xoxb-, xoxp-, xoxr-, xoxs-, xoxo- and 10 more
 *	stripe-key	sk_live_, sk_test_, rk_live_, rk_test_ and 10 more
 *	google-api-key	AIza and 35 letters, digits, '-' or '_'
 *	jwt		eyJ..., three base64url parts joined by dots
 *	private-key	a -----BEGIN ... PRIVATE KEY----- block, to its END
 *			line (or the end of the text)
 *	url-password	the password of scheme://user:password@host
 *	assignment	the value after '=' or ':' of a name that ends
 *			(in any case) in password, passwd or secret: 4 or
 *			more bytes in quotes, else 8 or more with a digit; or
 *			in token, api_key, apikey, access_key or private_key:
 *			16 or more bytes without blanks, with a letter and a
 *			digit. Values with brackets or '$' are code or
 *			placeholders (token = next_token(p), ${TOKEN}), and
 *			'proxy-handled' or 'test-key' are no keys.
 *
 * A token must start at a word boundary (not after a letter, digit or
 * '_'), so identifiers that contain "sk-" or "AIza" are left alone, as are
 * hex object ids, UUIDs and base64 of ordinary text, which no rule takes.
 */
#ifndef MIC_REDACT_H
#define MIC_REDACT_H

#include <stddef.h>

#include "../store/buf.h"
#include "../store/error.h"

/* One secret taken out: its rule and where its marker is in the text. */
struct mic_redaction {
	const char *rule; /* a static string: the rule's name */
	size_t offset; /* byte offset of "[REDACTED:rule]" in the result */
};

/* The redactions of one text, grown by mic_redact(). */
struct mic_redactions {
	struct mic_redaction *v;
	size_t n, cap;
};

/*
 * Write s[0..len) to out (reset first) with every secret replaced, and
 * append each redaction to r (which may be NULL). Returns the number of
 * secrets replaced; out holds s unchanged when it is 0.
 */
size_t mic_redact(const char *s, size_t len, struct mic_buf *out,
    struct mic_redactions *r);

void mic_redactions_release(struct mic_redactions *r);

/*
 * Record r's redactions of a stored text (see struct mic_redaction_row in
 * store/db.h for kind, ref and part), in the caller's transaction.
 */
struct mic_db;
const struct mic_error *mic_redactions_record(struct mic_db *db,
    const char *kind, const char *ref, int part,
    const struct mic_redactions *r);

#endif
