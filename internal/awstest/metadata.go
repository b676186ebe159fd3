package awstest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// This file emulates the two credential endpoints a compute host serves on
// a link-local address, each on a loopback listener of its own so that a
// credential chain can be pointed at it:
//
//   - EC2 instance metadata, IMDSv2 (point AWS_EC2_METADATA_SERVICE_ENDPOINT
//     at Metadata.URL): PUT /latest/api/token with
//     X-aws-ec2-metadata-token-ttl-seconds returns a session token; GET
//     /latest/meta-data/iam/security-credentials/ with that token in
//     X-aws-ec2-metadata-token lists the instance profile's role, and GET
//     …/security-credentials/NAME returns its credentials. IMDSv1 (no
//     token) is refused, as on an instance that requires v2.
//   - the ECS container credentials endpoint (point
//     AWS_CONTAINER_CREDENTIALS_FULL_URI at Metadata.URL+ContainerCredentialsPath
//     and AWS_CONTAINER_AUTHORIZATION_TOKEN at the token): GET with the token
//     in the Authorization header returns the task role's credentials.
//
// The credentials are role sessions this Server issues, so its SigV4 checks
// pass for them; each request is logged and counted (service "imds",
// action InstanceRoleCredentials; service "ecs", action
// ContainerCredentials) when it asks for credentials.

// ContainerCredentialsPath is the path the container credentials endpoint
// serves.
const ContainerCredentialsPath = "/creds"

// metadataSessionLength is how long instance and task role sessions last.
const metadataSessionLength = 6 * time.Hour

// Metadata is a running instance metadata or container credentials
// endpoint. The caller must Close it.
type Metadata struct {
	// URL is "http://127.0.0.1:PORT".
	URL string
	ts  *httptest.Server
}

// Close stops the endpoint.
func (m *Metadata) Close() { m.ts.Close() }

// ServeInstanceMetadata starts an IMDSv2 endpoint whose instance profile
// holds roleARN, a role created with CreateRole.
func (s *Server) ServeInstanceMetadata(roleARN string) *Metadata {
	s.mu.Lock()
	role := s.mustRole(roleARN)
	s.mu.Unlock()
	tokens := newTokenSet()
	const prefix = "/latest/meta-data/iam/security-credentials/"
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/latest/api/token" && r.Method == http.MethodPut:
			if r.Header.Get("X-Aws-Ec2-Metadata-Token-Ttl-Seconds") == "" {
				http.Error(w, "missing TTL", http.StatusBadRequest)
				return
			}
			w.Header().Set("X-Aws-Ec2-Metadata-Token-Ttl-Seconds", r.Header.Get("X-Aws-Ec2-Metadata-Token-Ttl-Seconds"))
			w.Write([]byte(tokens.add()))
		case r.Method != http.MethodGet:
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		case !tokens.has(r.Header.Get("X-Aws-Ec2-Metadata-Token")):
			http.Error(w, "unauthorized", http.StatusUnauthorized)
		case r.URL.Path == prefix:
			w.Write([]byte(role.spec.Name))
		case r.URL.Path == prefix+role.spec.Name:
			k := s.metadataSession(r, role, "imds", "InstanceRoleCredentials", "i-0123456789abcdef0")
			json.NewEncoder(w).Encode(map[string]string{
				"Code": "Success", "Type": "AWS-HMAC", "LastUpdated": time.Now().UTC().Format(time.RFC3339),
				"AccessKeyId": k.id, "SecretAccessKey": k.secret, "Token": k.token,
				"Expiration": k.expires.UTC().Format(time.RFC3339),
			})
		default:
			http.NotFound(w, r)
		}
	})
	ts := httptest.NewServer(h)
	return &Metadata{URL: ts.URL, ts: ts}
}

// ServeContainerCredentials starts a container credentials endpoint that
// hands roleARN's sessions to requests carrying authToken.
func (s *Server) ServeContainerCredentials(roleARN, authToken string) *Metadata {
	s.mu.Lock()
	role := s.mustRole(roleARN)
	s.mu.Unlock()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path != ContainerCredentialsPath || r.Method != http.MethodGet:
			http.NotFound(w, r)
		case authToken == "" || r.Header.Get("Authorization") != authToken:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(map[string]string{"code": "AccessDenied", "message": "Unauthorized"})
		default:
			k := s.metadataSession(r, role, "ecs", "ContainerCredentials", "task-0123456789abcdef")
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]string{
				"RoleArn": role.arn, "AccessKeyId": k.id, "SecretAccessKey": k.secret, "Token": k.token,
				"Expiration": k.expires.UTC().Format(time.RFC3339),
			})
		}
	})
	ts := httptest.NewServer(h)
	return &Metadata{URL: ts.URL, ts: ts}
}

// metadataSession issues a session of role and records r as the call.
func (s *Server) metadataSession(r *http.Request, role *role, service, action, session string) *accessKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.issueSession(identity{account: role.spec.Account, role: role, session: session}, s.clock().Add(metadataSessionLength).Truncate(time.Second))
	s.log = append(s.log, Call{Service: service, Action: action, Caller: k.caller.arn(), UserAgent: r.UserAgent()})
	s.calls[action]++
	s.succeeded[action]++
	return k
}

// tokenSet holds the IMDSv2 session tokens handed out.
type tokenSet struct {
	mu sync.Mutex
	m  map[string]bool
}

func newTokenSet() *tokenSet { return &tokenSet{m: map[string]bool{}} }

func (t *tokenSet) add() string {
	b := make([]byte, 24)
	rand.Read(b)
	tok := hex.EncodeToString(b)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.m[tok] = true
	return tok
}

func (t *tokenSet) has(tok string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return tok != "" && t.m[tok]
}
