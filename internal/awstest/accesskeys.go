package awstest

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// This file emulates IAM's access-key actions: ListAccessKeys,
// CreateAccessKey, UpdateAccessKey and DeleteAccessKey, with IAM's limit of
// two keys per user. An inactive or deleted key is refused by every
// service (auth.go). Keys made through the API can be held back from
// STS for a while, as AWS's take seconds to propagate
// (SetKeyPropagation), and the next call of an action can be made to fail
// (FailNext), to test what a client leaves behind when it is interrupted.

// maxAccessKeysPerUser is IAM's quota.
const maxAccessKeysPerUser = 2

// patUserName is IAM's user name pattern; patAccessKeyID its key ID one.
const (
	patUserName    = `[\w+=,.@-]+`
	patAccessKeyID = `[\w]+`
)

// iamAccessKey is AccessKeyMetadata as IAM renders it.
type iamAccessKey struct {
	UserName    string
	AccessKeyID string `xml:"AccessKeyId"`
	Status      string
	CreateDate  string
}

// SetKeyPropagation makes access keys created through the API from now on
// unusable for d after their creation: requests signed with them fail
// with InvalidClientTokenId, as with AWS while a new key propagates.
func (s *Server) SetKeyPropagation(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keyPropagation = d
}

// FailNext makes the next call of IAM action (say "UpdateAccessKey") fail
// with the AWS error code given (a code clients do not retry, such as
// "AccessDenied"), before it changes anything.
func (s *Server) FailNext(action, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failNext == nil {
		s.failNext = map[string]string{}
	}
	s.failNext[action] = code
}

// AccessKeys returns the IDs of the user's access keys that IAM lists
// (active or inactive, not deleted), oldest first.
func (s *Server) AccessKeys(account, userName string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, k := range s.userKeys(s.mustUser(account, userName)) {
		out = append(out, k.id)
	}
	return out
}

// userKeys lists u's long-lived keys, oldest first.
func (m *model) userKeys(u *user) []*accessKey {
	var out []*accessKey
	for _, k := range m.keys {
		if k.token == "" && !k.deleted && k.caller.user == u && k.caller.role == nil {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b *accessKey) int {
		if c := a.created.Compare(b.created); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	return out
}

// injectedFault returns the failure FailNext set for action, once.
func (s *Server) injectedFault(action string) *apiError {
	code, ok := s.failNext[action]
	if !ok {
		return nil
	}
	delete(s.failNext, action)
	return errorf(http.StatusForbidden, code, "awstest: injected failure of %s", action)
}

// keyTargetUser is the user an access-key action acts on: UserName in the
// caller's account, else the calling user, after checking permission.
func (s *Server) keyTargetUser(req *request, v *validation, action string) (*user, *apiError) {
	name := v.str("UserName", "userName", false, 1, 128, patUserName)
	if e := v.err(); e != nil {
		return nil, e
	}
	if f := s.injectedFault(action); f != nil {
		return nil, f
	}
	var u *user
	switch {
	case name != "":
		u = s.users["arn:aws:iam::"+req.caller.account+":user/"+name]
	case req.caller.role != nil:
		return nil, errorf(http.StatusBadRequest, "ValidationError", "Must specify userName when calling with non-User credentials")
	default:
		u = req.caller.user
	}
	resource := "arn:aws:iam::" + req.caller.account + ":user/" + name
	if u != nil {
		resource = u.arn
	}
	if e := iamAuthorize(req, action, resource); e != nil {
		return nil, e
	}
	if u == nil {
		return nil, errorf(http.StatusNotFound, "NoSuchEntity", "The user with name %s cannot be found.", name)
	}
	return u, nil
}

func renderKey(u *user, k *accessKey) iamAccessKey {
	status := "Active"
	if !k.active {
		status = "Inactive"
	}
	return iamAccessKey{UserName: u.name, AccessKeyID: k.id, Status: status, CreateDate: k.created.UTC().Format("2006-01-02T15:04:05Z")}
}

func (s *Server) iamListAccessKeys(req *request) (any, *apiError) {
	v := validation{req: req}
	u, e := s.keyTargetUser(req, &v, "ListAccessKeys")
	if e != nil {
		return nil, e
	}
	var keys []iamAccessKey
	for _, k := range s.userKeys(u) {
		keys = append(keys, renderKey(u, k))
	}
	return struct {
		AccessKeyMetadata []iamAccessKey `xml:"AccessKeyMetadata>member"`
		IsTruncated       bool
	}{keys, false}, nil
}

func (s *Server) iamCreateAccessKey(req *request) (any, *apiError) {
	v := validation{req: req}
	u, e := s.keyTargetUser(req, &v, "CreateAccessKey")
	if e != nil {
		return nil, e
	}
	if len(s.userKeys(u)) >= maxAccessKeysPerUser {
		return nil, errorf(http.StatusConflict, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: %d", maxAccessKeysPerUser)
	}
	k := s.newKey("AKIA", identity{account: u.account, user: u})
	k.created = req.now.UTC() // full precision: keys made in one second still list oldest first
	k.usableFrom = req.now.Add(s.keyPropagation)
	md := renderKey(u, k)
	return struct {
		AccessKey struct {
			iamAccessKey
			SecretAccessKey string
		}
	}{struct {
		iamAccessKey
		SecretAccessKey string
	}{md, k.secret}}, nil
}

// ownKey finds the AccessKeyId parameter among u's keys.
func (s *Server) ownKey(v *validation, u *user) (*accessKey, *apiError) {
	id := v.str("AccessKeyId", "accessKeyId", true, 16, 128, patAccessKeyID)
	if e := v.err(); e != nil {
		return nil, e
	}
	k := s.keys[id]
	if k == nil || k.deleted || k.token != "" || k.caller.user != u || k.caller.role != nil {
		return nil, errorf(http.StatusNotFound, "NoSuchEntity", "The Access Key with id %s cannot be found.", id)
	}
	return k, nil
}

func (s *Server) iamUpdateAccessKey(req *request) (any, *apiError) {
	v := validation{req: req}
	status := v.str("Status", "status", true, 1, 16, "")
	u, e := s.keyTargetUser(req, &v, "UpdateAccessKey")
	if e != nil {
		return nil, e
	}
	k, e := s.ownKey(&v, u)
	if e != nil {
		return nil, e
	}
	switch status {
	case "Active":
		k.active = true
	case "Inactive":
		k.active = false
	default:
		return nil, errorf(http.StatusBadRequest, "ValidationError", "1 validation error detected: Value '%s' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]", status)
	}
	return nil, nil
}

func (s *Server) iamDeleteAccessKey(req *request) (any, *apiError) {
	v := validation{req: req}
	u, e := s.keyTargetUser(req, &v, "DeleteAccessKey")
	if e != nil {
		return nil, e
	}
	k, e := s.ownKey(&v, u)
	if e != nil {
		return nil, e
	}
	// Kept, marked deleted, so Secrets still lists its secret for leak checks.
	k.deleted, k.active = true, false
	return nil, nil
}
