package awstest

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// This file emulates the role part of AWS IAM: CreateRole, GetRole,
// DeleteRole, UpdateAssumeRolePolicy, AttachRolePolicy, DetachRolePolicy,
// ListAttachedRolePolicies, TagRole and UntagRole. Roles created here are
// the roles STS assumes: their trust policy governs AssumeRole and their
// attached policies are their sessions' permissions. The policy simulator,
// SimulatePrincipalPolicy, is in simulate.go.

var iamProtocol = queryProtocol{version: "2010-05-08", xmlns: "https://iam.amazonaws.com/doc/2010-05-08/"}

func init() {
	registerService(&service{
		name:   "iam",
		detect: iamProtocol.detect,
		parse:  iamProtocol.parse,
		handle: iamRequireMFASession(iamProtocol.dispatch(map[string]queryAction{
			"CreateRole":               (*Server).iamCreateRole,
			"GetRole":                  (*Server).iamGetRole,
			"DeleteRole":               (*Server).iamDeleteRole,
			"UpdateAssumeRolePolicy":   (*Server).iamUpdateAssumeRolePolicy,
			"AttachRolePolicy":         (*Server).iamAttachRolePolicy,
			"DetachRolePolicy":         (*Server).iamDetachRolePolicy,
			"ListAttachedRolePolicies": (*Server).iamListAttachedRolePolicies,
			"TagRole":                  (*Server).iamTagRole,
			"UntagRole":                (*Server).iamUntagRole,
			"SimulatePrincipalPolicy":  (*Server).iamSimulatePrincipalPolicy,
			"ListAccessKeys":           (*Server).iamListAccessKeys,
			"CreateAccessKey":          (*Server).iamCreateAccessKey,
			"UpdateAccessKey":          (*Server).iamUpdateAccessKey,
			"DeleteAccessKey":          (*Server).iamDeleteAccessKey,
		})),
		errorResponse: iamProtocol.errorResponse,
	})
}

// iamRequireMFASession wraps an IAM handler to refuse GetSessionToken
// credentials obtained without MFA: AWS allows no IAM API calls with
// them, and answers as if the token were invalid.
func iamRequireMFASession(next func(*Server, *request) (response, *apiError)) func(*Server, *request) (response, *apiError) {
	return func(s *Server, req *request) (response, *apiError) {
		if c := req.caller; c.temporary && c.role == nil && !c.mfa {
			return response{}, errInvalidToken()
		}
		return next(s, req)
	}
}

// Parameter patterns from the IAM API model, in RE2 notation.
const (
	patRoleName    = `[\w+=,.@-]+`
	patPath        = `(/)|(/[\x{21}-\x{7E}]+/)`
	patPathPrefix  = `/[\x{21}-\x{7F}]*`
	patPolicyDoc   = `[\x{09}\x{0A}\x{0D}\x{20}-\x{FF}]+`
	patDescription = `[\x{09}\x{0A}\x{0D}\x{20}-\x{7E}\x{A1}-\x{FF}]*`
	patTagKey      = `[\p{L}\p{Z}\p{N}_.:/=+\-@]+`
	patTagValue    = `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`
	patMarker      = `[\x{20}-\x{FF}]+`
)

// IAM quotas.
const (
	maxPoliciesPerRole = 10
	maxTagsPerRole     = 50
)

// roleTag is a tag on a role.
type roleTag struct{ Key, Value string }

// awsManagedPolicies are the AWS managed policies that can be attached,
// with their effect on the emulated services as action patterns allowed
// on any resource. Policies for services the emulator does not have
// attach fine and grant nothing here.
var awsManagedPolicies = map[string][]string{
	"arn:aws:iam::aws:policy/AdministratorAccess": {"*"},
	// NotAction iam:*, organizations:*, account:*, plus a few exceptions.
	"arn:aws:iam::aws:policy/PowerUserAccess": {"sts:*", "iam:CreateServiceLinkedRole",
		"iam:DeleteServiceLinkedRole", "iam:ListRoles", "organizations:DescribeOrganization"},
	"arn:aws:iam::aws:policy/ReadOnlyAccess": {"iam:Generate*", "iam:Get*", "iam:List*",
		"iam:Simulate*", "organizations:Describe*", "organizations:List*"},
	"arn:aws:iam::aws:policy/job-function/ViewOnlyAccess": {"iam:List*", "iam:GetAccountSummary",
		"iam:GetLoginProfile", "organizations:Describe*", "organizations:List*"},
	"arn:aws:iam::aws:policy/SecurityAudit": {"iam:Generate*", "iam:Get*", "iam:List*",
		"iam:Simulate*", "organizations:Describe*", "organizations:List*"},
	"arn:aws:iam::aws:policy/IAMFullAccess": {"iam:*", "organizations:DescribeAccount",
		"organizations:DescribeOrganization", "organizations:List*"},
	"arn:aws:iam::aws:policy/IAMReadOnlyAccess": {"iam:Generate*", "iam:Get*", "iam:List*",
		"iam:Simulate*"},
	"arn:aws:iam::aws:policy/AWSOrganizationsFullAccess":     {"organizations:*", "iam:CreateServiceLinkedRole"},
	"arn:aws:iam::aws:policy/AWSOrganizationsReadOnlyAccess": {"organizations:Describe*", "organizations:List*"},
	"arn:aws:iam::aws:policy/AmazonS3FullAccess":             nil,
	"arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess":         nil,
	"arn:aws:iam::aws:policy/AmazonEC2FullAccess":            nil,
	"arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess":        nil,
}

// iamRole is a Role as IAM's responses render it.
type iamRole struct {
	Path                     string
	RoleName                 string
	RoleID                   string `xml:"RoleId"`
	Arn                      string
	CreateDate               string
	AssumeRolePolicyDocument string
	Description              string `xml:",omitempty"`
	MaxSessionDuration       int64
	Tags                     []roleTag `xml:"Tags>member,omitempty"`
	// RoleLastUsed is rendered (empty) by GetRole only.
	RoleLastUsed *struct{} `xml:",omitempty"`
}

// trustDocument returns the role's trust policy document as IAM shows it.
func (r *role) trustDocument() string {
	if r.document != "" {
		return r.document
	}
	return r.trust.Document()
}

func (r *role) render() iamRole {
	return iamRole{
		Path:       r.spec.Path,
		RoleName:   r.spec.Name,
		RoleID:     r.id,
		Arn:        r.arn,
		CreateDate: r.created.UTC().Format("2006-01-02T15:04:05Z"),
		// IAM returns policy documents URL-encoded (RFC 3986).
		AssumeRolePolicyDocument: uriEncode(r.trustDocument(), true),
		Description:              r.description,
		MaxSessionDuration:       int64(r.spec.MaxSessionDuration / time.Second),
		Tags:                     r.tags,
	}
}

// findRole returns the role named name in account; role names are unique
// in an account regardless of case and path.
func (m *model) findRole(account, name string) *role {
	for _, r := range m.roles {
		if r.spec.Account == account && strings.EqualFold(r.spec.Name, name) {
			return r
		}
	}
	return nil
}

// iamAuthorize checks that the caller may perform the IAM action on the
// resource.
func iamAuthorize(req *request, action, resource string) *apiError {
	if !req.caller.permissions().allows("iam:"+action, resource) {
		return errAccessDenied("User: %s is not authorized to perform: iam:%s on resource: %s", req.caller.arn(), action, resource)
	}
	return nil
}

// iamRoleTarget looks up the role named by the RoleName parameter in the
// caller's account after checking the caller may perform action on it.
// The parameters must have been validated.
func (s *Server) iamRoleTarget(req *request, action, name string) (*role, *apiError) {
	r := s.findRole(req.caller.account, name)
	resource := "arn:aws:iam::" + req.caller.account + ":role/" + name
	if r != nil {
		resource = r.arn
	}
	if e := iamAuthorize(req, action, resource); e != nil {
		return nil, e
	}
	if r == nil {
		return nil, errNoSuchRole(name)
	}
	return r, nil
}

func errNoSuchRole(name string) *apiError {
	return errorf(http.StatusNotFound, "NoSuchEntity", "The role with name %s cannot be found.", name)
}

func errMalformedPolicy(format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, "MalformedPolicyDocument", format, args...)
}

var principalEntityRE = regexp.MustCompile(`^arn:aws:iam::[0-9]{12}:(user|role)/`)

// parseTrustDocument parses a trust policy submitted through IAM and
// checks it as IAM does: only STS actions, and user and role principals
// that exist.
func (s *Server) parseTrustDocument(doc string) (TrustPolicy, *apiError) {
	p, err := ParseTrustPolicy(doc)
	if err != nil {
		return TrustPolicy{}, errMalformedPolicy("%s", err.Error())
	}
	for _, st := range p.Statements {
		for _, a := range st.Actions {
			if a != "*" && !strings.HasPrefix(strings.ToLower(a), "sts:") {
				return TrustPolicy{}, errMalformedPolicy("AssumeRole policy may only specify STS AssumeRole actions.")
			}
		}
		for _, pr := range st.Principals {
			m := principalEntityRE.FindStringSubmatch(pr)
			if m == nil {
				continue
			}
			if (m[1] == "user" && s.users[pr] == nil) || (m[1] == "role" && s.roles[pr] == nil) {
				return TrustPolicy{}, errMalformedPolicy("Invalid principal in policy: \"AWS\":\"%s\"", pr)
			}
		}
	}
	return p, nil
}

// tagsParam reads a Tags.member.N.Key/Value list.
func tagsParam(v *validation, name, member string) []roleTag {
	var tags []roleTag
	for i := 1; ; i++ {
		prefix := name + ".member." + strconv.Itoa(i) + "."
		_, hasKey := v.req.param(prefix + "Key")
		_, hasValue := v.req.param(prefix + "Value")
		if !hasKey && !hasValue {
			break
		}
		m := member + "." + strconv.Itoa(i) + ".member."
		tags = append(tags, roleTag{
			Key:   v.str(prefix+"Key", m+"key", true, 1, 128, patTagKey),
			Value: v.str(prefix+"Value", m+"value", true, 0, 256, patTagValue),
		})
	}
	return tags
}

// checkListLength adds a violation if a list parameter is too long.
func checkListLength(v *validation, member string, n, max int) {
	if n > max {
		shown := fmt.Sprintf("[%d items]", n)
		v.fail(&shown, member, fmt.Sprintf("must have length less than or equal to %d", max))
	}
}

// mergeTags adds or overwrites tags; keys compare case-insensitively.
func mergeTags(old, add []roleTag) []roleTag {
	out := append([]roleTag(nil), old...)
next:
	for _, t := range add {
		for i := range out {
			if strings.EqualFold(out[i].Key, t.Key) {
				out[i] = t
				continue next
			}
		}
		out = append(out, t)
	}
	return out
}

// duplicateTagKeys reports whether tags repeats a key, ignoring case.
func duplicateTagKeys(tags []roleTag) bool {
	seen := map[string]bool{}
	for _, t := range tags {
		k := strings.ToLower(t.Key)
		if seen[k] {
			return true
		}
		seen[k] = true
	}
	return false
}

func errDuplicateTags() *apiError {
	return errorf(http.StatusBadRequest, "InvalidInput", "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
}

func (s *Server) iamCreateRole(req *request) (any, *apiError) {
	v := validation{req: req}
	name := v.str("RoleName", "roleName", true, 1, 64, patRoleName)
	path := v.str("Path", "path", false, 1, 512, patPath)
	doc := v.str("AssumeRolePolicyDocument", "assumeRolePolicyDocument", true, 1, 131072, patPolicyDoc)
	desc := v.str("Description", "description", false, 0, 1000, patDescription)
	maxSession := v.integer("MaxSessionDuration", "maxSessionDuration", 3600, 3600, 43200)
	tags := tagsParam(&v, "Tags", "tags")
	checkListLength(&v, "tags", len(tags), maxTagsPerRole)
	if e := v.err(); e != nil {
		return nil, e
	}
	if _, given := req.param("PermissionsBoundary"); given {
		return nil, errorf(http.StatusBadRequest, "InvalidInput", "awstest: permissions boundaries are not emulated")
	}
	if path == "" {
		path = "/"
	}
	account := req.caller.account
	arn := "arn:aws:iam::" + account + ":role" + path + name
	if e := iamAuthorize(req, "CreateRole", arn); e != nil {
		return nil, e
	}
	if duplicateTagKeys(tags) {
		return nil, errDuplicateTags()
	}
	if s.findRole(account, name) != nil {
		return nil, errorf(http.StatusConflict, "EntityAlreadyExists", "Role with name %s already exists.", name)
	}
	trust, e := s.parseTrustDocument(doc)
	if e != nil {
		return nil, e
	}
	r := &role{
		spec: Role{
			Account:            account,
			Name:               name,
			Path:               path,
			MaxSessionDuration: time.Duration(maxSession) * time.Second,
		},
		arn:         arn,
		id:          "AROA" + randomID(17),
		trust:       trust,
		created:     req.now.UTC().Truncate(time.Second),
		description: desc,
		tags:        tags,
		document:    doc,
	}
	s.roles[arn] = r
	return struct{ Role iamRole }{r.render()}, nil
}

func (s *Server) iamGetRole(req *request) (any, *apiError) {
	v := validation{req: req}
	name := v.str("RoleName", "roleName", true, 1, 64, patRoleName)
	if e := v.err(); e != nil {
		return nil, e
	}
	r, e := s.iamRoleTarget(req, "GetRole", name)
	if e != nil {
		return nil, e
	}
	out := r.render()
	out.RoleLastUsed = &struct{}{}
	return struct{ Role iamRole }{out}, nil
}

func (s *Server) iamDeleteRole(req *request) (any, *apiError) {
	v := validation{req: req}
	name := v.str("RoleName", "roleName", true, 1, 64, patRoleName)
	if e := v.err(); e != nil {
		return nil, e
	}
	r, e := s.iamRoleTarget(req, "DeleteRole", name)
	if e != nil {
		return nil, e
	}
	if len(r.policies) > 0 {
		return nil, errorf(http.StatusConflict, "DeleteConflict", "Cannot delete entity, must detach all policies first.")
	}
	delete(s.roles, r.arn)
	// Sessions of a deleted role keep authenticating until they expire,
	// but are allowed nothing, and nobody can assume the role.
	r.perms = permissions{}
	r.trust = TrustPolicy{}
	return nil, nil
}

func (s *Server) iamUpdateAssumeRolePolicy(req *request) (any, *apiError) {
	v := validation{req: req}
	name := v.str("RoleName", "roleName", true, 1, 64, patRoleName)
	doc := v.str("PolicyDocument", "policyDocument", true, 1, 131072, patPolicyDoc)
	if e := v.err(); e != nil {
		return nil, e
	}
	r, e := s.iamRoleTarget(req, "UpdateAssumeRolePolicy", name)
	if e != nil {
		return nil, e
	}
	trust, e := s.parseTrustDocument(doc)
	if e != nil {
		return nil, e
	}
	r.trust, r.document = trust, doc
	return nil, nil
}

// policyARNRE matches managed policy ARNs, AWS's and customer ones.
var policyARNRE = regexp.MustCompile(`^arn:aws:iam::(aws|[0-9]{12}):policy/(.*/)?[\w+=,.@-]+$`)

// rolePolicyRequest checks the RoleName and PolicyArn of an Attach or
// DetachRolePolicy request and finds the role the caller may act on.
func (s *Server) rolePolicyRequest(req *request, action string) (*role, string, *apiError) {
	v := validation{req: req}
	name := v.str("RoleName", "roleName", true, 1, 64, patRoleName)
	policyARN := v.str("PolicyArn", "policyArn", true, 20, 2048, "")
	if e := v.err(); e != nil {
		return nil, "", e
	}
	if !policyARNRE.MatchString(policyARN) {
		return nil, "", errorf(http.StatusBadRequest, "InvalidInput", "ARN %s is not valid.", policyARN)
	}
	r, e := s.iamRoleTarget(req, action, name)
	return r, policyARN, e
}

func (s *Server) iamAttachRolePolicy(req *request) (any, *apiError) {
	r, policyARN, e := s.rolePolicyRequest(req, "AttachRolePolicy")
	if e != nil {
		return nil, e
	}
	// Customer managed policies are not emulated, so only the known AWS
	// managed ones exist.
	actions, known := awsManagedPolicies[policyARN]
	if !known {
		return nil, errorf(http.StatusNotFound, "NoSuchEntity", "Policy %s does not exist or is not attachable.", policyARN)
	}
	if containsString(r.policies, policyARN) {
		return nil, nil
	}
	if len(r.policies) >= maxPoliciesPerRole {
		return nil, errorf(http.StatusConflict, "LimitExceeded", "Cannot exceed quota for PoliciesPerRole: %d", maxPoliciesPerRole)
	}
	r.policies = append(r.policies, policyARN)
	for _, a := range actions {
		r.perms.grants = append(r.perms.grants, grant{action: a, resource: "*", policy: policyARN})
	}
	r.syncAdmin()
	return nil, nil
}

func (s *Server) iamDetachRolePolicy(req *request) (any, *apiError) {
	r, policyARN, e := s.rolePolicyRequest(req, "DetachRolePolicy")
	if e != nil {
		return nil, e
	}
	if !containsString(r.policies, policyARN) {
		return nil, errorf(http.StatusNotFound, "NoSuchEntity", "Policy %s was not found.", policyARN)
	}
	kept := r.policies[:0]
	for _, p := range r.policies {
		if p != policyARN {
			kept = append(kept, p)
		}
	}
	r.policies = kept
	grants := r.perms.grants[:0]
	for _, g := range r.perms.grants {
		if g.policy != policyARN {
			grants = append(grants, g)
		}
	}
	r.perms.grants = grants
	r.syncAdmin()
	return nil, nil
}

// syncAdmin brings the role's administrator flag in line with its grants
// after policies were attached or detached: a grant of "*" on every
// resource (Role.Actions "*", AdministratorAccess) is administrator access.
func (r *role) syncAdmin() {
	r.perms.admin = false
	for _, g := range r.perms.grants {
		if g.action == "*" && g.resource == "*" {
			r.perms.admin = true
		}
	}
}

// attachedPolicy is a member of ListAttachedRolePolicies' result.
type attachedPolicy struct{ PolicyName, PolicyArn string }

const attachedPoliciesMarker = "iam:ListAttachedRolePolicies"

func (s *Server) iamListAttachedRolePolicies(req *request) (any, *apiError) {
	v := validation{req: req}
	name := v.str("RoleName", "roleName", true, 1, 64, patRoleName)
	prefix := v.str("PathPrefix", "pathPrefix", false, 1, 512, patPathPrefix)
	marker := v.str("Marker", "marker", false, 1, 320, patMarker)
	maxItems := v.integer("MaxItems", "maxItems", 100, 1, 1000)
	if e := v.err(); e != nil {
		return nil, e
	}
	r, e := s.iamRoleTarget(req, "ListAttachedRolePolicies", name)
	if e != nil {
		return nil, e
	}
	start := 0
	if _, given := req.param("Marker"); given {
		cursor, ok := s.unseal(attachedPoliciesMarker+":"+r.arn, marker)
		n, err := strconv.Atoi(cursor)
		if !ok || err != nil || n < 0 {
			return nil, errorf(http.StatusBadRequest, "ValidationError", "Invalid Marker.")
		}
		start = n
	}
	var matching []attachedPolicy
	for _, arn := range r.policies {
		_, rest, _ := strings.Cut(arn, ":policy")
		i := strings.LastIndex(rest, "/")
		if prefix != "" && !strings.HasPrefix(rest[:i+1], prefix) {
			continue
		}
		matching = append(matching, attachedPolicy{PolicyName: rest[i+1:], PolicyArn: arn})
	}
	out := struct {
		AttachedPolicies struct {
			Member []attachedPolicy `xml:"member"`
		}
		IsTruncated bool
		Marker      string `xml:",omitempty"`
	}{}
	if start < len(matching) {
		matching = matching[start:]
	} else {
		matching = nil
	}
	if len(matching) > int(maxItems) {
		matching = matching[:maxItems]
		out.IsTruncated = true
		out.Marker = s.seal(attachedPoliciesMarker+":"+r.arn, strconv.Itoa(start+int(maxItems)))
	}
	out.AttachedPolicies.Member = matching
	return out, nil
}

func (s *Server) iamTagRole(req *request) (any, *apiError) {
	v := validation{req: req}
	name := v.str("RoleName", "roleName", true, 1, 64, patRoleName)
	tags := tagsParam(&v, "Tags", "tags")
	if len(tags) == 0 {
		v.fail(nil, "tags", "must not be null")
	}
	checkListLength(&v, "tags", len(tags), maxTagsPerRole)
	if e := v.err(); e != nil {
		return nil, e
	}
	r, e := s.iamRoleTarget(req, "TagRole", name)
	if e != nil {
		return nil, e
	}
	if duplicateTagKeys(tags) {
		return nil, errDuplicateTags()
	}
	merged := mergeTags(r.tags, tags)
	if len(merged) > maxTagsPerRole {
		return nil, errorf(http.StatusConflict, "LimitExceeded", "Cannot exceed quota for TagsPerRole: %d", maxTagsPerRole)
	}
	r.tags = merged
	return nil, nil
}

func (s *Server) iamUntagRole(req *request) (any, *apiError) {
	v := validation{req: req}
	name := v.str("RoleName", "roleName", true, 1, 64, patRoleName)
	var keys []string
	for i := 1; ; i++ {
		p := "TagKeys.member." + strconv.Itoa(i)
		if _, ok := req.param(p); !ok {
			break
		}
		keys = append(keys, v.str(p, "tagKeys."+strconv.Itoa(i)+".member", true, 1, 128, patTagKey))
	}
	if len(keys) == 0 {
		v.fail(nil, "tagKeys", "must not be null")
	}
	checkListLength(&v, "tagKeys", len(keys), maxTagsPerRole)
	if e := v.err(); e != nil {
		return nil, e
	}
	r, e := s.iamRoleTarget(req, "UntagRole", name)
	if e != nil {
		return nil, e
	}
	kept := r.tags[:0]
	for _, t := range r.tags {
		drop := false
		for _, k := range keys {
			drop = drop || strings.EqualFold(k, t.Key)
		}
		if !drop {
			kept = append(kept, t)
		}
	}
	r.tags = kept
	return nil, nil
}

// CreateRoleWithTrustPolicy creates a role like CreateRole, but with the
// trust policy given as a JSON document (see ParseTrustPolicy), for
// example one that trusts the wrong account. GetRole returns the document
// as given. Unlike IAM's CreateRole, principals need not exist. It panics
// if the document does not parse, r sets TrustedAccounts,
// TrustedPrincipals, RequireMFA or ExternalID, or CreateRole would.
func (s *Server) CreateRoleWithTrustPolicy(r Role, trustPolicyDocument string) (arn string) {
	if len(r.TrustedAccounts)+len(r.TrustedPrincipals) > 0 || r.RequireMFA || r.ExternalID != "" {
		panic("awstest: CreateRoleWithTrustPolicy takes the trust from the document, not the Role fields")
	}
	p, err := ParseTrustPolicy(trustPolicyDocument)
	if err != nil {
		panic("awstest: " + err.Error())
	}
	arn = s.CreateRole(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	ro := s.mustRole(arn)
	ro.trust, ro.document = p, trustPolicyDocument
	return arn
}

// RoleTrustPolicy returns a copy of the trust policy of the role, however
// it was set, and whether the role exists.
func (s *Server) RoleTrustPolicy(roleARN string) (TrustPolicy, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.roles[roleARN]
	if r == nil {
		return TrustPolicy{}, false
	}
	return r.trust.clone(), true
}

// AttachedPolicies returns the ARNs of the managed policies attached to
// the role, in the order they were attached; nil if there are none or the
// role does not exist.
//
// Attachable are these AWS managed policies, with their effect on the
// emulated services: AdministratorAccess (everything), PowerUserAccess,
// ReadOnlyAccess, job-function/ViewOnlyAccess, SecurityAudit,
// IAMFullAccess, IAMReadOnlyAccess, AWSOrganizationsFullAccess,
// AWSOrganizationsReadOnlyAccess, and the Amazon S3 and EC2 FullAccess
// and ReadOnlyAccess policies (nothing). Other policies, including
// customer managed ones, do not exist for the emulator.
func (s *Server) AttachedPolicies(roleARN string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.roles[roleARN]
	if r == nil || len(r.policies) == 0 {
		return nil
	}
	return append([]string(nil), r.policies...)
}

// SetUserActions restricts a user to the given action patterns (e.g.
// "iam:GetRole", "iam:List*", "organizations:*"), allowed on any resource.
// It replaces all of the user's permissions: the default administrator
// access and grants from Allow and SetUserAllowedRoles (call those
// afterwards to add to it). With no patterns the user may do nothing that
// needs a permission. It panics if the user does not exist.
func (s *Server) SetUserActions(account, userName string, actions ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.mustUser(account, userName)
	u.perms = permissions{}
	for _, a := range actions {
		u.perms.grants = append(u.perms.grants, grant{action: a, resource: "*"})
	}
}
