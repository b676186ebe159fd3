package awstest

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// This file verifies AWS Signature Version 4 request signatures. It is an
// independent implementation of the algorithm (not the SDK's signer), so
// that the tests cross-check the SDK and botocore against it:
// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html

const (
	sigAlgorithm  = "AWS4-HMAC-SHA256"
	sigTerminator = "aws4_request"
	amzDateFormat = "20060102T150405Z"
	// sigWindow is how far the signing time may be from the server clock.
	sigWindow = 15 * time.Minute
	// emptySHA256 is the hex SHA-256 of an empty payload.
	emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

// authHeader is a parsed SigV4 Authorization header.
type authHeader struct {
	accessKeyID string
	date        string // YYYYMMDD from the credential scope
	region      string
	service     string
	// signedHeaders are the lower-case header names, in header order.
	signedHeaders []string
	signature     string
}

// scope returns the credential scope, "DATE/REGION/SERVICE/aws4_request".
func (a *authHeader) scope() string {
	return a.date + "/" + a.region + "/" + a.service + "/" + sigTerminator
}

// String formats a as an Authorization header value, the way the SDK does.
func (a *authHeader) String() string {
	return sigAlgorithm + " Credential=" + a.accessKeyID + "/" + a.scope() +
		", SignedHeaders=" + strings.Join(a.signedHeaders, ";") +
		", Signature=" + a.signature
}

func incompleteSignature(format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, "IncompleteSignature", format, args...)
}

func signatureMismatch(format string, args ...any) *apiError {
	return errorf(http.StatusForbidden, "SignatureDoesNotMatch", format, args...)
}

// errSignature is AWS's message for a signature that does not verify.
const errSignature = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."

// parseAuthorizationHeader extracts and parses the request's single
// Authorization header.
func parseAuthorizationHeader(r *http.Request) (*authHeader, *apiError) {
	values := r.Header.Values("Authorization")
	switch len(values) {
	case 0:
		// Presigned (query string) authentication is not emulated.
		return nil, errorf(http.StatusForbidden, "MissingAuthenticationToken", "Request is missing Authentication Token")
	case 1:
		return parseAuthorization(values[0])
	default:
		return nil, incompleteSignature("Request contains more than one Authorization header.")
	}
}

// parseAuthorization parses "AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/
// SERVICE/aws4_request, SignedHeaders=a;b, Signature=HEX". It checks the
// syntax only; the caller checks the scope against the request.
func parseAuthorization(h string) (*authHeader, *apiError) {
	alg, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	if alg != sigAlgorithm {
		if strings.HasPrefix(alg, "AWS4-") {
			return nil, incompleteSignature("Unsupported AWS 'algorithm': '%s'", alg)
		}
		return nil, incompleteSignature("Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=%s", h)
	}
	fields := map[string]string{}
	for _, kv := range strings.Split(rest, ",") {
		kv = strings.TrimSpace(kv)
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, incompleteSignature("'%s' not a valid key=value pair (missing equal-sign) in Authorization header: '%s'.", kv, h)
		}
		switch k {
		case "Credential", "SignedHeaders", "Signature":
		default:
			return nil, incompleteSignature("'%s' not a valid key=value pair in Authorization header: '%s'.", kv, h)
		}
		if _, dup := fields[k]; dup {
			return nil, incompleteSignature("Authorization header contains '%s' more than once: '%s'.", k, h)
		}
		fields[k] = v
	}
	var missing []string
	for _, k := range []string{"Credential", "Signature", "SignedHeaders"} {
		if fields[k] == "" {
			missing = append(missing, "Authorization header requires '"+k+"' parameter.")
		}
	}
	if len(missing) > 0 {
		return nil, incompleteSignature("%s Authorization=%s", strings.Join(missing, " "), h)
	}

	a := &authHeader{signature: fields["Signature"]}
	cred := strings.Split(fields["Credential"], "/")
	if len(cred) != 5 {
		return nil, incompleteSignature("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'", fields["Credential"])
	}
	a.accessKeyID, a.date, a.region, a.service = cred[0], cred[1], cred[2], cred[3]
	if cred[4] != sigTerminator {
		return nil, incompleteSignature("Credential should be scoped with a valid terminator: 'aws4_request', not '%s'.", cred[4])
	}
	if a.accessKeyID == "" {
		return nil, incompleteSignature("Credential must have a non-empty access key ID, got '%s'", fields["Credential"])
	}
	if _, err := time.Parse("20060102", a.date); err != nil || len(a.date) != 8 {
		return nil, incompleteSignature("Credential date '%s' is not a date in YYYYMMDD format.", a.date)
	}
	if !isRegion(a.region) {
		return nil, incompleteSignature("Credential should be scoped to a valid region. ")
	}
	if a.service == "" {
		return nil, incompleteSignature("Credential should be scoped to correct service. ")
	}

	// SignedHeaders must be canonical: lower case, sorted, no duplicates.
	a.signedHeaders = strings.Split(fields["SignedHeaders"], ";")
	for i, name := range a.signedHeaders {
		if name == "" || name != strings.ToLower(name) || strings.ContainsAny(name, " \t:") ||
			(i > 0 && a.signedHeaders[i-1] >= name) {
			return nil, incompleteSignature("Authorization header has an invalid SignedHeaders list: '%s'. Header names must be lower case, sorted and unique.", fields["SignedHeaders"])
		}
	}
	if !containsString(a.signedHeaders, "host") {
		return nil, incompleteSignature("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	if len(a.signature) != 64 || strings.Trim(a.signature, "0123456789abcdef") != "" {
		return nil, incompleteSignature("Signature must be 64 lower-case hexadecimal characters, got '%s'.", a.signature)
	}
	return a, nil
}

// isRegion accepts region-shaped names ("us-east-1", "eu-central-2", ...).
// Any region works: the emulator is one global endpoint.
func isRegion(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// verifySignature checks req's signature with secret and that its signing
// time is within the window around now.
func verifySignature(req *request, secret string) *apiError {
	r, a := req.http, req.auth
	amzDate := r.Header.Get("X-Amz-Date")
	if amzDate == "" {
		return incompleteSignature("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=%s", r.Header.Get("Authorization"))
	}
	signedAt, err := time.Parse(amzDateFormat, amzDate)
	if err != nil {
		return incompleteSignature("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", amzDate)
	}
	if a.date != amzDate[:8] {
		return signatureMismatch("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.", a.date, amzDate[:8], amzDate)
	}

	bodyHash := sha256.Sum256(req.body)
	payloadHash := hex.EncodeToString(bodyHash[:])
	// Clients may send the payload hash; it must then be the real one.
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" && h != payloadHash {
		return signatureMismatch("The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
	canonical, e := canonicalRequest(r, a.signedHeaders, payloadHash)
	if e != nil {
		return e
	}
	want := signature(secret, a, amzDate, canonical)
	if subtle.ConstantTimeCompare([]byte(want), []byte(a.signature)) != 1 {
		return signatureMismatch(errSignature)
	}

	now := req.now.UTC()
	if signedAt.Before(now.Add(-sigWindow)) {
		return signatureMismatch("Signature expired: %s is now earlier than %s (%s - 15 min.)",
			amzDate, now.Add(-sigWindow).Format(amzDateFormat), now.Format(amzDateFormat))
	}
	if signedAt.After(now.Add(sigWindow)) {
		return signatureMismatch("Signature not yet current: %s is still later than %s (%s + 15 min.)",
			amzDate, now.Add(sigWindow).Format(amzDateFormat), now.Format(amzDateFormat))
	}
	return nil
}

// signature computes the hex signature of a canonical request.
func signature(secret string, a *authHeader, amzDate, canonical string) string {
	crHash := sha256.Sum256([]byte(canonical))
	stringToSign := sigAlgorithm + "\n" + amzDate + "\n" + a.scope() + "\n" + hex.EncodeToString(crHash[:])
	key := hmacSHA256([]byte("AWS4"+secret), a.date)
	key = hmacSHA256(key, a.region)
	key = hmacSHA256(key, a.service)
	key = hmacSHA256(key, sigTerminator)
	return hex.EncodeToString(hmacSHA256(key, stringToSign))
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// canonicalRequest builds the SigV4 canonical request of r:
//
//	METHOD \n URI \n QUERY \n HEADERS \n SIGNED-HEADERS \n PAYLOAD-HASH
func canonicalRequest(r *http.Request, signedHeaders []string, payloadHash string) (string, *apiError) {
	query, err := canonicalQuery(r.URL.RawQuery)
	if err != nil {
		return "", errorf(http.StatusBadRequest, "MalformedQueryString", "The query string is malformed: %v", err)
	}
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(r))
	b.WriteByte('\n')
	b.WriteString(query)
	b.WriteByte('\n')
	for _, name := range signedHeaders {
		v, ok := headerValue(r, name)
		if !ok {
			return "", signatureMismatch("The request signature we calculated does not match the signature you provided: signed header '%s' is not present in the request.", name)
		}
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(v)
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signedHeaders, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String(), nil
}

// canonicalURI is the URI-encoded request path. The path is taken as sent
// (still escaped) and encoded once more, as the SDKs do for every service
// but S3.
func canonicalURI(r *http.Request) string {
	p := r.URL.EscapedPath()
	if r.RequestURI != "" && r.RequestURI[0] == '/' {
		p, _, _ = strings.Cut(r.RequestURI, "?")
	}
	if p == "" {
		p = "/"
	}
	return uriEncode(p, false)
}

// canonicalQuery decodes the query string and re-encodes it canonically:
// each name and value URI-encoded, pairs sorted after encoding.
func canonicalQuery(raw string) (string, error) {
	values, err := url.ParseQuery(raw)
	if err != nil {
		return "", err
	}
	type pair struct{ k, v string }
	var pairs []pair
	for k, vs := range values {
		ek := uriEncode(k, true)
		for _, v := range vs {
			pairs = append(pairs, pair{ek, uriEncode(v, true)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	parts := make([]string, len(pairs))
	for i, p := range pairs {
		parts[i] = p.k + "=" + p.v
	}
	return strings.Join(parts, "&"), nil
}

// uriEncode percent-encodes every byte outside the RFC 3986 unreserved
// set (A-Z a-z 0-9 - . _ ~) with upper-case hex. '/' is kept unless
// encodeSlash is set.
func uriEncode(s string, encodeSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~', c == '/' && !encodeSlash:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// headerValue returns the canonical value of a signed header: the values
// in order, each trimmed with inner runs of spaces collapsed, joined by
// commas. net/http moves some headers out of Header; they are read back
// from where it put them.
func headerValue(r *http.Request, name string) (string, bool) {
	var values []string
	switch name {
	case "host":
		values = []string{r.Host}
	case "content-length":
		values = r.Header.Values("Content-Length")
		if len(values) == 0 && r.ContentLength >= 0 {
			values = []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	case "transfer-encoding":
		values = r.TransferEncoding
	default:
		values = r.Header.Values(http.CanonicalHeaderKey(name))
	}
	if len(values) == 0 {
		return "", false
	}
	values = append([]string(nil), values...) // do not edit r.Header
	for i, v := range values {
		values[i] = strings.Join(strings.FieldsFunc(v, func(c rune) bool { return c == ' ' }), " ")
	}
	return strings.Join(values, ","), true
}
