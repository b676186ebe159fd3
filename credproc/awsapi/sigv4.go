package awsapi

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/credproc/credproc/cache"
)

// AWS Signature Version 4, header form, as documented in
// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
//
// credproc signs its few calls itself instead of with the SDK's v4.Signer:
// linking the signer linked aws-sdk-go-v2 and smithy-go, whose package
// inits every credproc run paid for. The signature is the one the SDK's
// signer makes for the same request, header for header (sigv4_test.go
// checks it against the SDK), so the requests on the wire did not change:
// X-Amz-Date, X-Amz-Security-Token with a session token, no
// X-Amz-Content-Sha256 (the SDK sends that one to S3 only).

const (
	sigV4Algorithm = "AWS4-HMAC-SHA256"
	amzDateLayout  = "20060102T150405Z"
)

// signV4 signs req for service in region at time t with creds: it sets
// X-Amz-Date, X-Amz-Security-Token if creds has a session token, and
// Authorization. payloadHash is the hex SHA-256 of the body.
//
// Like the SDK's signer it also makes the request send what it signed: it
// drops a default port from the Host (Go would send "host:443" as is) and
// rewrites the query in its canonical form.
func signV4(req *http.Request, creds cache.Credentials, payloadHash, service, region string, t time.Time) {
	t = t.UTC()
	amzDate, date := t.Format(amzDateLayout), t.Format("20060102")
	req.Header["X-Amz-Date"] = []string{amzDate}
	if creds.SessionToken != "" {
		req.Header["X-Amz-Security-Token"] = []string{creds.SessionToken}
	}
	host := requestHost(req)
	query := canonicalQuery(req.URL.Query())
	req.URL.RawQuery = query
	signed, headerBlock := canonicalHeaders(req, host)

	canonicalRequest := strings.Join([]string{
		req.Method,
		canonicalPath(req.URL),
		query,
		headerBlock, // ends in a newline, so a blank line follows
		signed,
		payloadHash,
	}, "\n")
	scope := date + "/" + region + "/" + service + "/aws4_request"
	crHash := sha256.Sum256([]byte(canonicalRequest))
	stringToSign := sigV4Algorithm + "\n" + amzDate + "\n" + scope + "\n" + hex.EncodeToString(crHash[:])
	signature := hmacSHA256(signingKey(creds.SecretAccessKey, date, region, service), stringToSign)

	req.Header["Authorization"] = []string{sigV4Algorithm +
		" Credential=" + creds.AccessKeyID + "/" + scope +
		", SignedHeaders=" + signed +
		", Signature=" + hex.EncodeToString(signature)}
}

// signingKey derives the key for one day, region and service from the
// secret, so that the secret itself never signs anything.
func signingKey(secret, date, region, service string) []byte {
	key := []byte("AWS4" + secret)
	for _, scope := range []string{date, region, service, "aws4_request"} {
		key = hmacSHA256(key, scope)
	}
	return key
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// requestHost is the Host the request will be sent with. A default port
// (https ":443", http ":80") is dropped, from req.Host too, as the SDK's
// signer does: AWS computes the signature from the Host it receives, and
// some endpoints are written with the port. (The SDK also drops the
// brackets of an IPv6 literal there, which makes an invalid Host; they are
// kept here.)
func requestHost(req *http.Request) string {
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	h, port, err := net.SplitHostPort(host)
	scheme := strings.ToLower(req.URL.Scheme)
	if err != nil || !(scheme == "https" && port == "443" || scheme == "http" && port == "80") {
		return host
	}
	if strings.Contains(h, ":") {
		h = "[" + h + "]"
	}
	req.Host = h
	return h
}

// canonicalPath is the URI path, escaped once more: services other than S3
// sign the escaped path escaped again ("/a%20b" is signed as "/a%2520b").
// An empty path is "/". (URL.Opaque, which the SDK also reads, is never
// set on the URLs this package builds.)
func canonicalPath(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	segments := strings.Split(p, "/")
	for i, seg := range segments {
		segments[i] = uriEncode(seg)
	}
	return strings.Join(segments, "/")
}

// canonicalQuery is the query with every name and value URI-encoded,
// sorted by name, then value.
func canonicalQuery(q url.Values) string {
	pairs := make([]string, 0, len(q))
	for k, vs := range q {
		k = uriEncode(k)
		for _, v := range vs {
			pairs = append(pairs, k+"="+uriEncode(v))
		}
	}
	// Sorting "name=value" strings would put "a-b=1" before "a=1"; the
	// order is by name first.
	slices.SortFunc(pairs, func(a, b string) int {
		an, av, _ := strings.Cut(a, "=")
		bn, bv, _ := strings.Cut(b, "=")
		if c := strings.Compare(an, bn); c != 0 {
			return c
		}
		return strings.Compare(av, bv)
	})
	return strings.Join(pairs, "&")
}

// uriEncode percent-encodes s as SigV4 wants it: every byte but the
// unreserved characters of RFC 3986, in upper-case hex. That is what
// url.QueryEscape does, but for the space, which it writes as '+' (a '+'
// of s it writes as "%2B").
func uriEncode(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// canonicalHeaders returns the signed header names ("content-length;
// content-type;host;x-amz-date") and the canonical header block, a
// "name:value\n" line each. Signed are the host, the content length of a
// non-empty body and every header of the request but those a proxy or the
// transport may add or change, which the SDK leaves out too.
func canonicalHeaders(req *http.Request, host string) (signed, block string) {
	values := map[string][]string{"host": {host}}
	if req.ContentLength > 0 {
		values["content-length"] = []string{strconv.FormatInt(req.ContentLength, 10)}
	}
	// Sorted, so that two spellings of one name ("x-a", "X-A") merge in
	// the same order every time.
	for _, k := range slices.Sorted(maps.Keys(req.Header)) {
		name := strings.ToLower(k)
		switch name {
		case "host", "content-length": // from the request itself, above
			continue
		case "authorization", "user-agent", "x-amzn-trace-id", "expect", "transfer-encoding":
			continue
		}
		values[name] = append(values[name], req.Header[k]...)
	}
	names := slices.Sorted(maps.Keys(values))
	var b strings.Builder
	for _, name := range names {
		b.WriteString(name)
		b.WriteByte(':')
		for i, v := range values[name] {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(trimHeaderValue(v))
		}
		b.WriteByte('\n')
	}
	return strings.Join(names, ";"), b.String()
}

// trimHeaderValue trims the value and collapses runs of spaces inside it
// to one, so that proxies that re-space a header do not break the
// signature.
func trimHeaderValue(v string) string {
	v = strings.TrimSpace(v)
	if !strings.Contains(v, "  ") {
		return v
	}
	var b strings.Builder
	b.Grow(len(v))
	for i := 0; i < len(v); i++ {
		if v[i] == ' ' && i > 0 && v[i-1] == ' ' {
			continue
		}
		b.WriteByte(v[i])
	}
	return b.String()
}
