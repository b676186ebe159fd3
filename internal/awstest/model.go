package awstest

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/credproc/credproc/internal/totp"
)

// This file holds the model shared by all services: accounts (implicit,
// by ID), IAM users, access keys, virtual MFA devices, roles and the
// identity behind an authenticated request.

// model is the emulated world. All access is under Server.mu.
type model struct {
	users   map[string]*user      // by ARN
	keys    map[string]*accessKey // by access key ID
	roles   map[string]*role      // by ARN
	devices map[string]*mfaDevice // by serial number (ARN)
	// org is the organization (organizations.go); nil until created.
	org *organization
	// signin holds console sign-in tokens by token (federation.go).
	signin map[string]*signinToken
	// ssoTokens and webTokens map tokens to the role ARNs they grant
	// (identitycenter.go).
	ssoTokens map[string][]string
	webTokens map[string][]string
	// sealKey authenticates pagination tokens (seal.go).
	sealKey [32]byte
	// keyPropagation and failNext: see accesskeys.go.
	keyPropagation time.Duration
	failNext       map[string]string
}

func newModel() model {
	return model{
		users:   map[string]*user{},
		keys:    map[string]*accessKey{},
		roles:   map[string]*role{},
		devices: map[string]*mfaDevice{},
		signin:  map[string]*signinToken{},
		sealKey: newSealKey(),
	}
}

// user is an IAM user.
type user struct {
	account, name string
	id            string // "AIDA..."
	arn           string
	perms         permissions
}

// role is an IAM role.
type role struct {
	spec  Role // as created, defaults filled in
	arn   string
	id    string // "AROA..."
	trust TrustPolicy
	perms permissions
	// The fields below are what IAM reports about the role (iam.go).
	created     time.Time
	description string
	tags        []roleTag
	// policies are the ARNs of the attached managed policies, in order.
	policies []string
	// document is the trust policy as submitted through IAM; empty when
	// the trust was set from Go, and then rendered from trust.
	document string
}

// mfaDevice is a virtual MFA device assigned to a user.
type mfaDevice struct {
	serial string
	secret string // base32 TOTP seed
	user   *user
	// used holds the time steps of codes that were used successfully;
	// AWS refuses to accept the same code twice.
	used map[int64]bool
}

// accessKey is a long-lived (AKIA) or temporary (ASIA) access key.
type accessKey struct {
	id, secret string
	token      string    // session token; empty for long-lived keys
	expires    time.Time // zero for long-lived keys
	active     bool
	caller     identity // whom the key authenticates
	// created is when the key was made; usableFrom when it has propagated
	// (accesskeys.go); deleted keys stay here for Secrets, unusable.
	created    time.Time
	usableFrom time.Time
	deleted    bool
}

// identity is an authenticated caller, the principal behind an access key.
// Every service authorises against it.
type identity struct {
	account string
	// user is set for IAM users and their GetSessionToken sessions.
	user *user
	// role and session are set for role sessions.
	role    *role
	session string
	// temporary marks session (ASIA) credentials.
	temporary bool
	// mfa marks sessions obtained with a valid MFA code, directly or from
	// an MFA-authenticated session.
	mfa bool
	// chained marks role sessions assumed with temporary credentials.
	chained bool
}

// arn is the caller ARN GetCallerIdentity and error messages show.
func (id *identity) arn() string {
	if id.role != nil {
		return "arn:aws:sts::" + id.account + ":assumed-role/" + id.role.spec.Name + "/" + id.session
	}
	return id.user.arn
}

// userID is the GetCallerIdentity UserId: "AIDA..." for users,
// "AROA...:SESSION" for role sessions.
func (id *identity) userID() string {
	if id.role != nil {
		return id.role.id + ":" + id.session
	}
	return id.user.id
}

// permissions returns the identity-based permissions of the caller: the
// role's for role sessions, the user's otherwise.
func (id *identity) permissions() *permissions {
	if id.role != nil {
		return &id.role.perms
	}
	return &id.user.perms
}

// permissions is a simplified identity-based policy: full access, or a list
// of allowed action/resource patterns.
type permissions struct {
	admin  bool
	grants []grant
}

// grant allows an action pattern (case-insensitive, e.g. "sts:AssumeRole"
// or "iam:*") on a resource pattern (e.g. "arn:aws:iam::*:role/admin-*").
// policy is the ARN of the attached managed policy the grant comes from,
// empty for grants made otherwise.
type grant struct{ action, resource, policy string }

// allows reports whether the permissions allow action on resource.
func (p *permissions) allows(action, resource string) bool {
	if p.admin {
		return true
	}
	for _, g := range p.grants {
		if matchAction(g.action, action) && wildcardMatch(g.resource, resource) {
			return true
		}
	}
	return false
}

// Role describes a role to create with Server.CreateRole.
type Role struct {
	// Account is the 12-digit ID of the account that owns the role.
	Account string
	// Name is the role name.
	Name string
	// Path is the role path; default "/".
	Path string
	// TrustedAccounts are account IDs (bare or as "arn:aws:iam::ID:root")
	// whose principals the trust policy admits.
	TrustedAccounts []string
	// TrustedPrincipals are user or role ARNs the trust policy admits.
	TrustedPrincipals []string
	// RequireMFA adds the condition aws:MultiFactorAuthPresent = true.
	RequireMFA bool
	// ExternalID, when set, adds the condition sts:ExternalId = ExternalID.
	ExternalID string
	// MaxSessionDuration bounds AssumeRole's DurationSeconds; default 1h,
	// at most 12h.
	MaxSessionDuration time.Duration
	// Actions are the role's permissions, as action patterns allowed on any
	// resource: "*" for administrator access, "sts:AssumeRole" to allow role
	// chaining, "organizations:List*", ...
	Actions []string
}

var (
	accountRE = regexp.MustCompile(`^[0-9]{12}$`)
	// nameRE is IAM's pattern for user, role and MFA device names.
	nameRE = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	pathRE = regexp.MustCompile(`^/([\x21-\x7e]*/)?$`)
)

func mustAccount(account string) {
	if !accountRE.MatchString(account) {
		panic(fmt.Sprintf("awstest: account ID must be 12 digits, got %q", account))
	}
}

func mustName(kind, name string) {
	if !nameRE.MatchString(name) {
		panic(fmt.Sprintf("awstest: invalid %s name %q", kind, name))
	}
}

// CreateUser creates the IAM user account/name with administrator access
// and returns its first long-lived access key. It panics if the account ID
// or name is invalid or the user exists.
func (s *Server) CreateUser(account, name string) (accessKeyID, secretAccessKey string) {
	mustAccount(account)
	mustName("user", name)
	s.mu.Lock()
	defer s.mu.Unlock()
	arn := "arn:aws:iam::" + account + ":user/" + name
	if s.users[arn] != nil {
		panic("awstest: user exists: " + arn)
	}
	u := &user{account: account, name: name, id: "AIDA" + randomID(17), arn: arn, perms: permissions{admin: true}}
	s.users[arn] = u
	k := s.newKey("AKIA", identity{account: account, user: u})
	return k.id, k.secret
}

// CreateAccessKey issues another long-lived access key for an existing
// user. It panics if the user does not exist.
func (s *Server) CreateAccessKey(account, userName string) (accessKeyID, secretAccessKey string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.mustUser(account, userName)
	k := s.newKey("AKIA", identity{account: account, user: u})
	return k.id, k.secret
}

// DeactivateKey makes an access key, long-lived or temporary, unusable:
// requests signed with it fail with InvalidClientTokenId. It panics if the
// key does not exist.
func (s *Server) DeactivateKey(accessKeyID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.keys[accessKeyID]
	if k == nil {
		panic("awstest: no such access key: " + accessKeyID)
	}
	k.active = false
}

// ExpireAll makes every temporary credential issued so far expired:
// requests signed with them fail with ExpiredToken.
func (s *Server) ExpireAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.keys {
		if k.token != "" {
			k.expires = time.Unix(0, 0) // before any clock a test would set
		}
	}
}

// EnableMFA creates a virtual MFA device named deviceName in the user's
// account, assigns it to the user and returns its serial number
// ("arn:aws:iam::ACCOUNT:mfa/DEVICE") and base32 TOTP secret; generate codes
// with totp.Code. It panics if the user does not exist or the device name
// is invalid or taken.
func (s *Server) EnableMFA(account, userName, deviceName string) (serialNumber, secret string) {
	mustName("MFA device", deviceName)
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.mustUser(account, userName)
	serial := "arn:aws:iam::" + account + ":mfa/" + deviceName
	if s.devices[serial] != nil {
		panic("awstest: MFA device exists: " + serial)
	}
	d := &mfaDevice{serial: serial, secret: totp.NewSecret(), user: u, used: map[int64]bool{}}
	s.devices[serial] = d
	return d.serial, d.secret
}

// CreateRole creates a role and returns its ARN,
// "arn:aws:iam::ACCOUNT:role/PATH/NAME". Its trust policy is built from
// TrustedAccounts, TrustedPrincipals, RequireMFA and ExternalID (see
// TrustPolicyFor). It panics on invalid fields or if the role exists.
func (s *Server) CreateRole(r Role) (arn string) {
	mustAccount(r.Account)
	mustName("role", r.Name)
	if r.Path == "" {
		r.Path = "/"
	}
	if !pathRE.MatchString(r.Path) || len(r.Path) > 512 {
		panic(fmt.Sprintf("awstest: invalid role path %q", r.Path))
	}
	if r.MaxSessionDuration == 0 {
		r.MaxSessionDuration = time.Hour
	}
	if r.MaxSessionDuration < time.Hour || r.MaxSessionDuration > 12*time.Hour || r.MaxSessionDuration%time.Second != 0 {
		panic(fmt.Sprintf("awstest: MaxSessionDuration %v outside 1h..12h", r.MaxSessionDuration))
	}
	trust := mustTrust(r.TrustedAccounts, r.TrustedPrincipals, r.RequireMFA, r.ExternalID)
	r.TrustedAccounts = append([]string(nil), r.TrustedAccounts...)
	r.TrustedPrincipals = append([]string(nil), r.TrustedPrincipals...)
	r.Actions = append([]string(nil), r.Actions...)

	s.mu.Lock()
	defer s.mu.Unlock()
	arn = "arn:aws:iam::" + r.Account + ":role" + r.Path + r.Name
	for _, other := range s.roles {
		// Role names are unique in an account whatever their path.
		if other.spec.Account == r.Account && strings.EqualFold(other.spec.Name, r.Name) {
			panic("awstest: role exists: " + other.arn)
		}
	}
	ro := &role{spec: r, arn: arn, id: "AROA" + randomID(17), trust: trust, created: s.clock().UTC().Truncate(time.Second)}
	for _, a := range r.Actions {
		if a == "*" {
			ro.perms.admin = true
		}
		ro.perms.grants = append(ro.perms.grants, grant{action: a, resource: "*"})
	}
	s.roles[arn] = ro
	return arn
}

// mustTrust builds the trust policy for the Role fields, panicking on
// invalid principals.
func mustTrust(accounts, principals []string, requireMFA bool, externalID string) TrustPolicy {
	p, err := TrustPolicyFor(accounts, principals, requireMFA, externalID)
	if err != nil {
		panic("awstest: " + err.Error())
	}
	return p
}

// SetTrust replaces a role's trust policy with one admitting the given
// accounts and principals, requiring MFA if requireMFA. The role's
// ExternalID condition, if it was created with one, is kept. It panics if
// the role does not exist.
func (s *Server) SetTrust(roleARN string, trustedAccounts, trustedPrincipals []string, requireMFA bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRole(roleARN)
	r.trust = mustTrust(trustedAccounts, trustedPrincipals, requireMFA, r.spec.ExternalID)
	r.document = ""
	r.spec.TrustedAccounts = append([]string(nil), trustedAccounts...)
	r.spec.TrustedPrincipals = append([]string(nil), trustedPrincipals...)
	r.spec.RequireMFA = requireMFA
}

// SetTrustPolicy replaces a role's trust policy, for example with one
// parsed by ParseTrustPolicy. Bare account IDs among the principals are
// normalised to root ARNs. It panics if the role does not exist or a
// principal is invalid.
func (s *Server) SetTrustPolicy(roleARN string, p TrustPolicy) {
	p = p.clone()
	for i := range p.Statements {
		for j, pr := range p.Statements[i].Principals {
			n, err := normalizePrincipal(pr)
			if err != nil {
				panic("awstest: " + err.Error())
			}
			p.Statements[i].Principals[j] = n
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.mustRole(roleARN)
	r.trust, r.document = p, ""
}

// SetUserAllowedRoles restricts a user to calling sts:AssumeRole on roles
// whose ARN matches one of the patterns ('*' matches any run of
// characters, '?' one character). The user loses the default administrator
// access; with no patterns it may assume no role at all. Grants made with
// Allow for other actions are kept. It panics if the user does not exist.
func (s *Server) SetUserAllowedRoles(account, userName string, patterns ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.mustUser(account, userName)
	u.perms.admin = false
	kept := u.perms.grants[:0]
	for _, g := range u.perms.grants {
		if !matchAction(g.action, "sts:AssumeRole") {
			kept = append(kept, g)
		}
	}
	u.perms.grants = kept
	for _, p := range patterns {
		u.perms.grants = append(u.perms.grants, grant{action: "sts:AssumeRole", resource: p})
	}
}

// Allow grants the user or role principalARN ("arn:aws:iam::ACCT:user/NAME"
// or a role ARN) the action pattern (e.g. "sts:AssumeRole",
// "organizations:*") on resources matching resourcePattern. Grants only
// matter for principals without administrator access (see
// SetUserAllowedRoles and Role.Actions). It panics if the principal does
// not exist.
func (s *Server) Allow(principalARN, action, resourcePattern string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := grant{action: action, resource: resourcePattern}
	switch {
	case s.users[principalARN] != nil:
		u := s.users[principalARN]
		u.perms.grants = append(u.perms.grants, g)
	case s.roles[principalARN] != nil:
		r := s.roles[principalARN]
		r.perms.grants = append(r.perms.grants, g)
	default:
		panic("awstest: no such user or role: " + principalARN)
	}
}

func (s *Server) mustUser(account, name string) *user {
	u := s.users["arn:aws:iam::"+account+":user/"+name]
	if u == nil {
		panic(fmt.Sprintf("awstest: no such user %s in account %s", name, account))
	}
	return u
}

func (s *Server) mustRole(arn string) *role {
	r := s.roles[arn]
	if r == nil {
		panic("awstest: no such role: " + arn)
	}
	return r
}

// newKey issues an access key with the given prefix ("AKIA" long-lived,
// "ASIA" temporary) for caller.
func (m *model) newKey(prefix string, caller identity) *accessKey {
	k := &accessKey{secret: newSecretKey(), active: true, caller: caller, created: time.Now().UTC()}
	for {
		k.id = prefix + randomID(16)
		if m.keys[k.id] == nil {
			break
		}
	}
	m.keys[k.id] = k
	return k
}

// issueSession issues temporary credentials for caller valid until expires.
func (m *model) issueSession(caller identity, expires time.Time) *accessKey {
	caller.temporary = true
	k := m.newKey("ASIA", caller)
	k.token = newSessionToken()
	k.expires = expires
	return k
}

// randomID returns n random characters of [A-Z2-7], the alphabet of AWS
// access key and unique IDs. n must be at most 26.
func randomID(n int) string { return rand.Text()[:n] }

// newSecretKey returns a 40-character secret access key. Like AWS's it
// contains '+' and '/', which signers must cope with.
func newSecretKey() string {
	b := make([]byte, 30)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// newSessionToken returns an opaque session token about as long as AWS's.
func newSessionToken() string {
	b := make([]byte, 300)
	rand.Read(b)
	return "IQoJb3JpZ2luX2VjE" + base64.StdEncoding.EncodeToString(b)
}
