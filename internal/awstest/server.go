// Package awstest provides a strict, in-process AWS emulator for tests and
// examples, in the spirit of net/http/httptest.
//
// A Server is one HTTP endpoint that serves every emulated service. Requests
// are routed by the service name in their SigV4 credential scope, so a client
// only needs its endpoint URL pointed at Server.URL. The real aws-sdk-go-v2
// clients and the AWS CLI work against it unchanged.
//
// The emulator is strict on purpose: every request must be signed with
// Signature Version 4 by a key the server issued, within 15 minutes of the
// server's clock, and the errors are the codes, messages and HTTP statuses
// AWS sends, so that code which passes here handles the real thing.
//
// Emulated so far: STS (GetCallerIdentity, GetSessionToken, AssumeRole);
// the role part of IAM (CreateRole, GetRole, DeleteRole,
// UpdateAssumeRolePolicy, Attach/DetachRolePolicy,
// ListAttachedRolePolicies, Tag/UntagRole); Organizations (ListAccounts,
// DescribeAccount, DescribeOrganization) for one organization per server;
// and the console federation endpoint (getSigninToken, login) at
// FederationPath. They share a model of accounts, IAM users and their
// access keys, virtual MFA devices and roles with trust policies.
//
// # Authorisation model
//
// Users have administrator access unless restricted with
// SetUserAllowedRoles or SetUserActions; Allow adds grants. Role sessions
// have the permissions in Role.Actions and those of the AWS managed
// policies attached through IAM. Each IAM action needs iam:ACTION on the
// role; Organizations actions need organizations:ACTION and, except
// DescribeOrganization, a caller in the management account. As in AWS,
// GetSessionToken credentials obtained without MFA cannot call IAM.
//
// AssumeRole needs both an identity permission for sts:AssumeRole on the
// role and a trust policy that admits the caller (AWS waives the former
// when a same-account trust policy names the caller's ARN; the emulator
// always requires both). A missing role is reported exactly like a denied
// one.
//
// MFA: a valid SerialNumber/TokenCode in the call, or a caller session that
// was obtained with MFA (GetSessionToken with a code, or AssumeRole with a
// code or from such a session), satisfies aws:MultiFactorAuthPresent. A
// code is accepted within one 30 s step of the clock and only once per
// device; it is used up when the call carrying it succeeds.
//
// Not emulated: presigned (query string) authentication, the Date header
// as an alternative to X-Amz-Date, narrowing of a session by the Policy
// parameter (it is only checked to be JSON), tags and source identity
// permissions (sts:TagSession, sts:SetSourceIdentity); in IAM, users,
// customer managed and inline policies, permissions boundaries and
// RoleLastUsed; in Organizations, OUs, policies and account lifecycle
// APIs. JSON-protocol services (Organizations) are told apart from query
// ones by their X-Amz-Target header.
//
// # Adding services
//
// Adding a service means adding a file that calls registerService from an
// init function (see service); the shared authentication, identity model,
// logging and counters apply to it without further wiring.
package awstest

import (
	"bytes"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// maxBody bounds request bodies; AWS query requests are small.
const maxBody = 1 << 20

// Server is a running emulator. Its setup methods (CreateUser, CreateRole,
// ...) and inspection methods (Calls, Log, ...) are safe for concurrent use,
// including while requests are being served.
type Server struct {
	// URL is the base URL of the endpoint, "http://127.0.0.1:PORT", for use
	// as the client's BaseEndpoint or the CLI's --endpoint-url.
	URL string

	ts *httptest.Server

	latency atomic.Int64 // ns each request waits before it is served

	faults   faultState    // see faults.go
	requests atomic.Int64  // every request received, faulted or not
	closing  chan struct{} // closed by Close: hanging requests end
	closed   sync.Once

	mu    sync.Mutex
	clock func() time.Time
	model
	calls     map[string]int
	succeeded map[string]int
	log       []Call
}

// Call records one request the server received.
type Call struct {
	// Service is the service the request was routed to, e.g. "sts".
	Service string
	// Action is the requested operation, e.g. "AssumeRole"; it is empty
	// when the request named none.
	Action string
	// AccessKeyID is the key from the request's credential scope, if any.
	AccessKeyID string
	// Caller is the ARN of the authenticated caller; empty when
	// authentication failed.
	Caller string
	// ErrorCode is the AWS error code returned, or empty on success.
	ErrorCode string
	// Message is the error message returned, if any.
	Message string
	// UserAgent is the request's User-Agent header.
	UserAgent string
}

// NewServer starts a Server listening on 127.0.0.1. The caller must Close it.
func NewServer() *Server {
	s := newServerState()
	s.ts = httptest.NewServer(s)
	s.URL = s.ts.URL
	return s
}

// NewTLSServer starts a Server serving HTTPS on 127.0.0.1 with a
// certificate of its own CA (CACertPEM), as a TLS-inspecting corporate
// proxy does: clients trust it only when given that CA (AWS_CA_BUNDLE).
func NewTLSServer() *Server {
	s := newServerState()
	s.ts = httptest.NewTLSServer(s)
	s.URL = s.ts.URL
	return s
}

func newServerState() *Server {
	return &Server{
		clock:     time.Now,
		model:     newModel(),
		calls:     map[string]int{},
		succeeded: map[string]int{},
		closing:   make(chan struct{}),
	}
}

// CACertPEM is the PEM certificate a client must trust to talk to a
// NewTLSServer (nil for a plain HTTP server).
func (s *Server) CACertPEM() []byte {
	if s.ts.TLS == nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.ts.Certificate().Raw})
}

// Close shuts the server down, blocking until outstanding requests finish;
// hanging requests (FaultHang) end first.
func (s *Server) Close() {
	s.closed.Do(func() { close(s.closing) })
	s.ts.Close()
}

// SetClock replaces the server's clock (time.Now by default). The clock
// decides expiry of temporary credentials, the Expiration of issued ones,
// which MFA codes are current, and the time against which request
// signatures must fall within 15 minutes.
//
// Like AWS, the server reports its clock in the Date response header;
// aws-sdk-go-v2 uses it to correct its signing time after one failed,
// retried attempt when the clocks differ by more than a few minutes.
// now must not call back into the Server.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now == nil {
		now = time.Now
	}
	s.clock = now
}

// SetLatency makes the server wait d before serving each request, as a
// stand-in for the network round trip to a real AWS endpoint; the local
// server answers in microseconds, which makes every client wait look
// cheaper than it is. Requests wait concurrently. 0 (the default) turns it
// off.
func (s *Server) SetLatency(d time.Duration) { s.latency.Store(int64(d)) }

// Calls returns how many requests named action (e.g. "AssumeRole"),
// whatever their outcome, including ones rejected before the action ran
// (bad signature, unknown key, ...).
func (s *Server) Calls(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[action]
}

// Succeeded returns how many requests for action succeeded.
func (s *Server) Succeeded(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.succeeded[action]
}

// ResetCalls clears the counters and the log.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = map[string]int{}
	s.succeeded = map[string]int{}
	s.log = nil
}

// Log returns a copy of the requests received since the start or the last
// ResetCalls, oldest first.
func (s *Server) Log() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.log...)
}

// service is one emulated AWS service. Each service lives in its own file,
// which registers it from an init function.
type service struct {
	// name is the SigV4 signing name that routes requests here, e.g. "sts".
	name string
	// detect reports whether an unauthenticated or unroutable request looks
	// like it is meant for this service, so that its error is rendered in
	// the right protocol. May be nil.
	detect func(req *request) bool
	// parse reads the request's parameters and sets req.action. It runs
	// before authentication so that failures are logged with the action.
	parse func(req *request) *apiError
	// handle serves an authenticated request. It runs with Server.mu held.
	handle func(s *Server, req *request) (response, *apiError)
	// errorResponse renders an error in the service's protocol.
	errorResponse func(req *request, e *apiError) response
}

// services holds the registered services by signing name.
var services = map[string]*service{}

// defaultService renders errors for requests no service claims.
const defaultService = "sts"

// registerService adds svc to the emulator; call it from init.
func registerService(svc *service) {
	if _, dup := services[svc.name]; dup {
		panic("awstest: service registered twice: " + svc.name)
	}
	services[svc.name] = svc
}

// routes holds handlers for endpoints that are not SigV4 services (for
// example a console federation endpoint), by URL path. They run without
// the server lock.
var routes = map[string]func(s *Server, w http.ResponseWriter, r *http.Request){}

// request is one API request on its way through the server.
type request struct {
	http      *http.Request
	body      []byte
	requestID string
	now       time.Time
	// service is the routed service; action the operation it names.
	service *service
	action  string
	// params are the query-protocol parameters (body form and URL query).
	params map[string][]string
	// auth is the parsed Authorization header, when there is one.
	auth *authHeader
	// caller and key are set once the request is authenticated.
	caller *identity
	key    *accessKey
}

// param returns the first value of a query-protocol parameter.
func (req *request) param(name string) (string, bool) {
	v, ok := req.params[name]
	if !ok || len(v) == 0 {
		return "", false
	}
	return v[0], true
}

// response is a successful (or protocol-rendered error) HTTP response.
type response struct {
	status      int
	contentType string
	body        []byte
}

// apiError is an AWS error before it is rendered in a service's protocol.
type apiError struct {
	status  int
	code    string
	message string
	// receiver marks server-side faults (Type Receiver); most are Sender.
	receiver bool
	// reason is the Reason member some JSON-protocol errors carry, e.g.
	// Organizations' InvalidInputException.
	reason string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

// ServeHTTP serves one request. A Server is an http.Handler so it can also
// be mounted elsewhere; NewServer already serves it on its own listener.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if d := s.latency.Load(); d > 0 {
		time.Sleep(time.Duration(d))
	}
	handled, skew := s.applyFault(w, r)
	if handled {
		return
	}
	if s.serveUnsigned(w, r) {
		return
	}
	if h, ok := routes[r.URL.Path]; ok {
		h(s, w, r)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	r.Body = io.NopCloser(bytes.NewReader(body))

	s.mu.Lock()
	defer s.mu.Unlock()
	req := &request{http: r, body: body, requestID: newRequestID(), now: s.clock().Add(skew)}

	resp := s.serve(req, err)

	h := w.Header()
	h.Set("x-amzn-RequestId", req.requestID)
	// Clients correct their signing clock from this header.
	h.Set("Date", req.now.UTC().Format(http.TimeFormat))
	h.Set("Content-Type", resp.contentType)
	h.Set("Content-Length", strconv.Itoa(len(resp.body)))
	w.WriteHeader(resp.status)
	w.Write(resp.body)
}

// serve runs the request pipeline: route, parse, authenticate, handle. It
// records the request in the log and counters.
func (s *Server) serve(req *request, readErr error) response {
	var e *apiError
	var resp response
	defer func() {
		c := Call{Service: req.service.name, Action: req.action, UserAgent: req.http.UserAgent()}
		if req.auth != nil {
			c.AccessKeyID = req.auth.accessKeyID
		}
		if req.caller != nil {
			c.Caller = req.caller.arn()
		}
		if e != nil {
			c.ErrorCode, c.Message = e.code, e.message
		}
		s.log = append(s.log, c)
		if c.Action != "" {
			s.calls[c.Action]++
			if e == nil {
				s.succeeded[c.Action]++
			}
		}
	}()

	// Route by the credential scope; without a usable one, guess so the
	// error comes back in the protocol the client speaks.
	auth, authErr := parseAuthorizationHeader(req.http)
	if authErr == nil {
		req.auth = auth
		req.service = services[auth.service]
	}
	if req.service == nil {
		req.service = guessService(req)
	}

	// Authentication failures win over malformed parameters, as in AWS;
	// the parameters are still parsed first so the log shows the action.
	var parseErr *apiError
	if readErr != nil {
		parseErr = errorf(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "Request body is too large or unreadable.")
	} else {
		parseErr = req.service.parse(req)
	}
	switch {
	case authErr != nil:
		e = authErr
	case services[auth.service] == nil:
		e = errorf(http.StatusForbidden, "SignatureDoesNotMatch", "Credential should be scoped to correct service: '%s'. ", req.service.name)
	default:
		e = s.authenticate(req)
	}
	if e == nil {
		e = parseErr
	}
	if e == nil {
		resp, e = req.service.handle(s, req)
	}
	if e != nil {
		return req.service.errorResponse(req, e)
	}
	return resp
}

// guessService picks the service an unroutable request is most likely for.
func guessService(req *request) *service {
	for _, svc := range services {
		if svc.detect != nil && svc.detect(req) {
			return svc
		}
	}
	return services[defaultService]
}

// newRequestID returns a random UUID, the form of AWS request IDs.
func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
