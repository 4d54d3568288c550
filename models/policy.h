/* \summary: VPC endpoint policies: allow and deny statements over actions and resources, evaluated as IAM does */
#ifndef VPCSIM_POLICY_H
#define VPCSIM_POLICY_H

#include <glib.h>

/*
 * An endpoint policy in a scenario file, one key:
 *
 *     policy = allow s3:GetObject,s3:ListBucket arn:aws:s3:::my-bucket,arn:aws:s3:::my-bucket/OBJ;
 *              deny s3:* arn:aws:s3:::my-bucket/private/OBJ
 *
 * (OBJ standing for a '*' wildcard, which cannot follow a '/' here.)
 *
 * Statements are separated by ';'.  Each is an effect (allow or deny), a
 * comma-separated list of actions ("service:Action", "*" and "?" wildcards,
 * matched without regard to case, as IAM matches actions) and a
 * comma-separated list of resources (ARNs or "*", wildcards, matched with
 * regard to case).  Principal is "*" and conditions are not modelled.
 * Evaluation is IAM's: a matching deny wins, else a matching allow allows,
 * else the request is denied implicitly.  No policy at all is AWS's default
 * endpoint policy, full access ("allow * *").
 */
typedef struct policy policy;

/* Parses `text`; NULL with the reason in `why` (what is wrong, quoting the
 * statement) when it is not a policy. */
policy *policy_parse(const char *text, GString *why);
void policy_free(policy *p);

typedef struct {
	gboolean allowed;
	int statement;     /* 1-based statement that decided; 0: no statement matched
	                      (an implicit deny) */
	const char *text;  /* that statement as written, or NULL */
} policy_decision;

policy_decision policy_evaluate(const policy *p, const char *action, const char *resource);

/* The S3 action and resource of an HTTP request to a path-style S3 URL
 * (/bucket or /bucket/key): GET and HEAD of an object are s3:GetObject, of a
 * bucket s3:ListBucket; PUT and POST of an object s3:PutObject, of a
 * bucket s3:CreateBucket; DELETE s3:DeleteObject or s3:DeleteBucket.
 * Returns FALSE (nothing set) for a path that names no bucket or another
 * method.  The strings are the caller's to free. */
gboolean policy_s3_request(const char *method, const char *path, char **action, char **resource);

#endif
