package awstest

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"time"
)

// This file emulates AWS Organizations: ListAccounts, DescribeAccount and
// DescribeOrganization, over the JSON protocol, for the one organization
// of a Server (see CreateOrganization).

var orgsProtocol = jsonProtocol{target: "AWSOrganizationsV20161128"}

func init() {
	registerService(&service{
		name:   "organizations",
		detect: orgsProtocol.detect,
		parse:  orgsProtocol.parse,
		handle: orgsProtocol.dispatch(withActions(map[string]jsonAction{
			"ListAccounts":         (*Server).orgsListAccounts,
			"DescribeAccount":      (*Server).orgsDescribeAccount,
			"DescribeOrganization": (*Server).orgsDescribeOrganization,
		}, orgsExtraActions)),
		errorResponse: orgsProtocol.errorResponse,
	})
}

// Account is an AWS account in the organization, for AddAccount.
type Account struct {
	// ID is the 12-digit account ID.
	ID string
	// Name is the account name, 1 to 50 printable ASCII characters.
	Name string
	// Email is the email address of the account's root user.
	Email string
	// Status is "ACTIVE" (the default), "SUSPENDED" or "PENDING_CLOSURE".
	// ListAccounts reports it as both Status and State.
	Status string
	// JoinedMethod is "CREATED" (the default) or "INVITED".
	JoinedMethod string
	// Joined is when the account joined; default the server clock at
	// AddAccount.
	Joined time.Time
}

// organization is the emulated organization.
type organization struct {
	id         string // "o-" and 10 characters
	management string // account ID
	accounts   map[string]*Account
	units      map[string]*orgUnit // OU ID -> OU
	parents    map[string]string   // account ID -> OU ID; absent: the root
}

func (o *organization) arn() string {
	return "arn:aws:organizations::" + o.management + ":organization/" + o.id
}

func (o *organization) accountARN(id string) string {
	return "arn:aws:organizations::" + o.management + ":account/" + o.id + "/" + id
}

var (
	orgIDAlphabet  = "abcdefghijklmnopqrstuvwxyz0123456789"
	accountNameRE  = regexp.MustCompile(`^[\x20-\x7e]{1,50}$`)
	accountEmailRE = regexp.MustCompile(`^[^\s@]+@[^\s@]+$`)
)

// CreateOrganization creates the server's organization, with all
// features, managed by managementAccount, and returns its ID
// ("o-xxxxxxxxxx"). The management account becomes a member named
// "management" with email "management@example.com", joined by invitation,
// as AWS shows it; use RenameAccount to change its name. It panics if the
// account ID is invalid or the server already has an organization.
//
// Without an organization, or for callers from accounts outside it,
// Organizations calls fail with AWSOrganizationsNotInUseException.
func (s *Server) CreateOrganization(managementAccount string) (orgID string) {
	mustAccount(managementAccount)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.org != nil {
		panic("awstest: organization exists: " + s.org.id)
	}
	b := []byte(randomID(10))
	for i := range b {
		b[i] = orgIDAlphabet[int(b[i])%len(orgIDAlphabet)]
	}
	s.org = &organization{id: "o-" + string(b), management: managementAccount, accounts: map[string]*Account{}}
	s.org.accounts[managementAccount] = &Account{
		ID:           managementAccount,
		Name:         "management",
		Email:        "management@example.com",
		Status:       "ACTIVE",
		JoinedMethod: "INVITED",
		Joined:       s.clock().UTC(),
	}
	return s.org.id
}

// AddAccount adds an account to the organization. It panics if there is
// no organization, a field is invalid or the account is already a member.
func (s *Server) AddAccount(a Account) {
	mustAccount(a.ID)
	if !accountNameRE.MatchString(a.Name) {
		panic(fmt.Sprintf("awstest: invalid account name %q", a.Name))
	}
	if len(a.Email) < 6 || len(a.Email) > 64 || !accountEmailRE.MatchString(a.Email) {
		panic(fmt.Sprintf("awstest: invalid account email %q", a.Email))
	}
	switch a.Status {
	case "":
		a.Status = "ACTIVE"
	case "ACTIVE", "SUSPENDED", "PENDING_CLOSURE":
	default:
		panic(fmt.Sprintf("awstest: invalid account status %q", a.Status))
	}
	switch a.JoinedMethod {
	case "":
		a.JoinedMethod = "CREATED"
	case "CREATED", "INVITED":
	default:
		panic(fmt.Sprintf("awstest: invalid account joined method %q", a.JoinedMethod))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.mustOrg()
	if o.accounts[a.ID] != nil {
		panic("awstest: account already in the organization: " + a.ID)
	}
	if a.Joined.IsZero() {
		a.Joined = s.clock()
	}
	a.Joined = a.Joined.UTC()
	o.accounts[a.ID] = &a
}

// RemoveAccount removes a member account from the organization. It
// panics if there is no organization, the account is not a member or it
// is the management account.
func (s *Server) RemoveAccount(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.mustOrg()
	if id == o.management {
		panic("awstest: cannot remove the management account " + id)
	}
	if o.accounts[id] == nil {
		panic("awstest: account not in the organization: " + id)
	}
	delete(o.accounts, id)
	delete(o.parents, id)
}

// RenameAccount changes the name of an account in the organization. It
// panics if there is no organization, the account is not a member or the
// name is invalid.
func (s *Server) RenameAccount(id, name string) {
	if !accountNameRE.MatchString(name) {
		panic(fmt.Sprintf("awstest: invalid account name %q", name))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.mustOrg().accounts[id]
	if a == nil {
		panic("awstest: account not in the organization: " + id)
	}
	a.Name = name
}

func (s *Server) mustOrg() *organization {
	if s.org == nil {
		panic("awstest: no organization; call CreateOrganization first")
	}
	return s.org
}

// orgAccount is an Account in the JSON form of the API.
type orgAccount struct {
	Arn             string
	Email           string
	ID              string `json:"Id"`
	JoinedMethod    string
	JoinedTimestamp float64 // epoch seconds
	Name            string
	State           string
	Status          string
}

func (o *organization) render(a *Account) orgAccount {
	return orgAccount{
		Arn:             o.accountARN(a.ID),
		Email:           a.Email,
		ID:              a.ID,
		JoinedMethod:    a.JoinedMethod,
		JoinedTimestamp: float64(a.Joined.UnixMilli()) / 1000,
		Name:            a.Name,
		State:           a.Status,
		Status:          a.Status,
	}
}

// Organizations errors.
const (
	msgOrgsDenied   = "You don't have permissions to access this resource."
	msgOrgsNotInUse = "Your account is not a member of an organization."
)

func errOrgsDenied() *apiError {
	return errorf(http.StatusForbidden, "AccessDeniedException", msgOrgsDenied)
}

func errInvalidInput(reason, message string) *apiError {
	e := errorf(http.StatusBadRequest, "InvalidInputException", "%s", message)
	e.reason = reason
	return e
}

// orgsAuthorize checks that the caller may perform action and is in the
// organization (and, if managementOnly, in its management account).
func (s *Server) orgsAuthorize(req *request, action string, managementOnly bool) (*organization, *apiError) {
	if !req.caller.permissions().allows("organizations:"+action, "*") {
		return nil, errOrgsDenied()
	}
	o := s.org
	if o == nil || o.accounts[req.caller.account] == nil {
		return nil, errorf(http.StatusNotFound, "AWSOrganizationsNotInUseException", msgOrgsNotInUse)
	}
	if managementOnly && req.caller.account != o.management {
		return nil, errOrgsDenied()
	}
	return o, nil
}

const listAccountsToken = "organizations:ListAccounts"

func (s *Server) orgsListAccounts(req *request) (any, *apiError) {
	var in struct {
		MaxResults *int
		NextToken  *string
	}
	if e := decodeJSON(req, &in); e != nil {
		return nil, e
	}
	limit := 20
	if in.MaxResults != nil {
		limit = *in.MaxResults
		switch {
		case limit < 1:
			return nil, errInvalidInput("MIN_VALUE_EXCEEDED", "You provided a numeric parameter that has a smaller value than allowed.")
		case limit > 20:
			return nil, errInvalidInput("MAX_VALUE_EXCEEDED", "You provided a numeric parameter that has a larger value than allowed.")
		}
	}
	o, e := s.orgsAuthorize(req, "ListAccounts", true)
	if e != nil {
		return nil, e
	}
	after := ""
	if in.NextToken != nil {
		var ok bool
		if after, ok = s.unseal(listAccountsToken, *in.NextToken); !ok || after == "" {
			return nil, errInvalidInput("INVALID_NEXT_TOKEN", "You specified an invalid value for nextToken.")
		}
	}
	// Accounts are listed by ID, so a page boundary stays meaningful when
	// accounts join or leave between pages.
	ids := make([]string, 0, len(o.accounts))
	for id := range o.accounts {
		if id > after {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	out := struct {
		Accounts  []orgAccount
		NextToken string `json:",omitempty"`
	}{Accounts: []orgAccount{}}
	if len(ids) > limit {
		ids = ids[:limit]
		out.NextToken = s.seal(listAccountsToken, ids[len(ids)-1])
	}
	for _, id := range ids {
		out.Accounts = append(out.Accounts, o.render(o.accounts[id]))
	}
	return out, nil
}

func (s *Server) orgsDescribeAccount(req *request) (any, *apiError) {
	var in struct {
		AccountID *string `json:"AccountId"`
	}
	if e := decodeJSON(req, &in); e != nil {
		return nil, e
	}
	if in.AccountID == nil {
		return nil, errInvalidInput("INPUT_REQUIRED", "You must specify a value for the AccountId parameter.")
	}
	if !accountRE.MatchString(*in.AccountID) {
		return nil, errInvalidInput("INVALID_PATTERN", "You provided a value that does not match the required pattern.")
	}
	o, e := s.orgsAuthorize(req, "DescribeAccount", true)
	if e != nil {
		return nil, e
	}
	a := o.accounts[*in.AccountID]
	if a == nil {
		return nil, errorf(http.StatusNotFound, "AccountNotFoundException", "You specified an account that doesn't exist.")
	}
	return struct{ Account orgAccount }{o.render(a)}, nil
}

// orgOrganization is the Organization of DescribeOrganization.
type orgOrganization struct {
	Arn                  string
	AvailablePolicyTypes []struct{ Type, Status string }
	FeatureSet           string
	ID                   string `json:"Id"`
	MasterAccountArn     string
	MasterAccountEmail   string
	MasterAccountID      string `json:"MasterAccountId"`
}

func (s *Server) orgsDescribeOrganization(req *request) (any, *apiError) {
	// Any account in the organization may describe it.
	o, e := s.orgsAuthorize(req, "DescribeOrganization", false)
	if e != nil {
		return nil, e
	}
	return struct{ Organization orgOrganization }{orgOrganization{
		Arn: o.arn(),
		// AWS no longer lists policy types here (the member is
		// deprecated); ListRoots does.
		AvailablePolicyTypes: []struct{ Type, Status string }{},
		FeatureSet:           "ALL",
		ID:                   o.id,
		MasterAccountArn:     o.accountARN(o.management),
		MasterAccountEmail:   o.accounts[o.management].Email,
		MasterAccountID:      o.management,
	}}, nil
}
