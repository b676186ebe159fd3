package awstest

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// This file emulates the organization's tree: its root and organizational
// units (OUs), and which parent each account sits under (ListRoots,
// ListOrganizationalUnitsForParent, ListAccountsForParent, ListChildren).
// Accounts join under the root; MoveAccount places them in an OU.

// orgsExtraActions are the tree actions, added to the organizations
// service's table.
var orgsExtraActions = map[string]jsonAction{
	"ListRoots":                        (*Server).orgsListRoots,
	"ListOrganizationalUnitsForParent": (*Server).orgsListOUsForParent,
	"ListAccountsForParent":            (*Server).orgsListAccountsForParent,
	"ListChildren":                     (*Server).orgsListChildren,
}

// withActions returns table with more's actions added.
func withActions(table, more map[string]jsonAction) map[string]jsonAction {
	for k, v := range more {
		table[k] = v
	}
	return table
}

// orgUnit is one OU of the emulated organization.
type orgUnit struct {
	id, name, parent string
}

var (
	parentIDRE = regexp.MustCompile(`^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$`)
	ouNameRE   = regexp.MustCompile(`^[\s\S]{1,128}$`)
)

// rootID is the ID of the organization's root ("r-" and 4 characters),
// derived from the organization ID so it is stable.
func (o *organization) rootID() string { return "r-" + o.id[2:6] }

// parentOf is the parent (root or OU ID) of account id.
func (o *organization) parentOf(id string) string {
	if p := o.parents[id]; p != "" {
		return p
	}
	return o.rootID()
}

func (o *organization) hasParent(id string) bool {
	return id == o.rootID() || o.units[id] != nil
}

// Root returns the ID of the organization's root. It panics if there is no
// organization.
func (s *Server) Root() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mustOrg().rootID()
}

// CreateOU creates an organizational unit named name under parent (the
// root or another OU) and returns its ID ("ou-" root "-" 8 characters). It
// panics if there is no organization or the parent does not exist.
func (s *Server) CreateOU(parent, name string) (ouID string) {
	if !ouNameRE.MatchString(name) {
		panic(fmt.Sprintf("awstest: invalid OU name %q", name))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.mustOrg()
	if !o.hasParent(parent) {
		panic("awstest: no such parent: " + parent)
	}
	if o.units == nil {
		o.units = map[string]*orgUnit{}
	}
	id := "ou-" + o.rootID()[2:] + "-" + strings.ToLower(randomID(8))
	for o.units[id] != nil {
		id = "ou-" + o.rootID()[2:] + "-" + strings.ToLower(randomID(8))
	}
	o.units[id] = &orgUnit{id: id, name: name, parent: parent}
	return id
}

// MoveAccount moves a member account under parent (the root or an OU). It
// panics if there is no organization, or the account or parent does not
// exist.
func (s *Server) MoveAccount(account, parent string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.mustOrg()
	if o.accounts[account] == nil {
		panic("awstest: account not in the organization: " + account)
	}
	if !o.hasParent(parent) {
		panic("awstest: no such parent: " + parent)
	}
	if o.parents == nil {
		o.parents = map[string]string{}
	}
	o.parents[account] = parent
}

// orgsPage decodes MaxResults and NextToken of a list call and returns the
// page size and the cursor to start after.
func (s *Server) orgsPage(req *request, kind string, in *orgsListInput) (limit int, after string, e *apiError) {
	limit = 20
	if in.MaxResults != nil {
		limit = *in.MaxResults
		switch {
		case limit < 1:
			return 0, "", errInvalidInput("MIN_VALUE_EXCEEDED", "You provided a numeric parameter that has a smaller value than allowed.")
		case limit > 20:
			return 0, "", errInvalidInput("MAX_VALUE_EXCEEDED", "You provided a numeric parameter that has a larger value than allowed.")
		}
	}
	if in.NextToken != nil {
		var ok bool
		if after, ok = s.unseal(kind, *in.NextToken); !ok || after == "" {
			return 0, "", errInvalidInput("INVALID_NEXT_TOKEN", "You specified an invalid value for nextToken.")
		}
	}
	return limit, after, nil
}

type orgsListInput struct {
	MaxResults *int
	NextToken  *string
	ParentID   *string `json:"ParentId"`
	ChildType  *string
}

// orgsParent checks the ParentId of a request.
func orgsParent(o *organization, in *orgsListInput) (string, *apiError) {
	if in.ParentID == nil {
		return "", errInvalidInput("INPUT_REQUIRED", "You must specify a value for the ParentId parameter.")
	}
	if !parentIDRE.MatchString(*in.ParentID) {
		return "", errInvalidInput("INVALID_PATTERN", "You provided a value that does not match the required pattern.")
	}
	if !o.hasParent(*in.ParentID) {
		return "", errorf(http.StatusBadRequest, "ParentNotFoundException", "We can't find a root or OU with the ParentId that you specified.")
	}
	return *in.ParentID, nil
}

// page cuts sorted ids after the cursor to one page and seals the next
// token.
func (s *Server) page(kind string, ids []string, after string, limit int) ([]string, string) {
	slices.Sort(ids)
	i, _ := slices.BinarySearch(ids, after)
	if i < len(ids) && ids[i] == after {
		i++
	}
	if after == "" {
		i = 0
	}
	ids = ids[i:]
	if len(ids) > limit {
		ids = ids[:limit]
		return ids, s.seal(kind, ids[len(ids)-1])
	}
	return ids, ""
}

func (s *Server) orgsListRoots(req *request) (any, *apiError) {
	var in orgsListInput
	if e := decodeJSON(req, &in); e != nil {
		return nil, e
	}
	o, e := s.orgsAuthorize(req, "ListRoots", true)
	if e != nil {
		return nil, e
	}
	type root struct {
		Arn, Name   string
		ID          string     `json:"Id"`
		PolicyTypes []struct{} `json:"PolicyTypes"`
	}
	return struct{ Roots []root }{[]root{{
		Arn:         "arn:aws:organizations::" + o.management + ":root/" + o.id + "/" + o.rootID(),
		Name:        "Root",
		ID:          o.rootID(),
		PolicyTypes: []struct{}{},
	}}}, nil
}

func (s *Server) orgsListOUsForParent(req *request) (any, *apiError) {
	var in orgsListInput
	if e := decodeJSON(req, &in); e != nil {
		return nil, e
	}
	limit, after, e := s.orgsPage(req, "organizations:ListOrganizationalUnitsForParent", &in)
	if e != nil {
		return nil, e
	}
	o, e := s.orgsAuthorize(req, "ListOrganizationalUnitsForParent", true)
	if e != nil {
		return nil, e
	}
	parent, e := orgsParent(o, &in)
	if e != nil {
		return nil, e
	}
	var ids []string
	for id, u := range o.units {
		if u.parent == parent {
			ids = append(ids, id)
		}
	}
	ids, next := s.page("organizations:ListOrganizationalUnitsForParent", ids, after, limit)
	type ou struct {
		Arn, Name string
		ID        string `json:"Id"`
	}
	out := struct {
		OrganizationalUnits []ou
		NextToken           string `json:",omitempty"`
	}{OrganizationalUnits: []ou{}, NextToken: next}
	for _, id := range ids {
		out.OrganizationalUnits = append(out.OrganizationalUnits, ou{
			Arn:  "arn:aws:organizations::" + o.management + ":ou/" + o.id + "/" + id,
			Name: o.units[id].name,
			ID:   id,
		})
	}
	return out, nil
}

func (s *Server) orgsListAccountsForParent(req *request) (any, *apiError) {
	var in orgsListInput
	if e := decodeJSON(req, &in); e != nil {
		return nil, e
	}
	limit, after, e := s.orgsPage(req, "organizations:ListAccountsForParent", &in)
	if e != nil {
		return nil, e
	}
	o, e := s.orgsAuthorize(req, "ListAccountsForParent", true)
	if e != nil {
		return nil, e
	}
	parent, e := orgsParent(o, &in)
	if e != nil {
		return nil, e
	}
	var ids []string
	for id := range o.accounts {
		if o.parentOf(id) == parent {
			ids = append(ids, id)
		}
	}
	ids, next := s.page("organizations:ListAccountsForParent", ids, after, limit)
	out := struct {
		Accounts  []orgAccount
		NextToken string `json:",omitempty"`
	}{Accounts: []orgAccount{}, NextToken: next}
	for _, id := range ids {
		out.Accounts = append(out.Accounts, o.render(o.accounts[id]))
	}
	return out, nil
}

func (s *Server) orgsListChildren(req *request) (any, *apiError) {
	var in orgsListInput
	if e := decodeJSON(req, &in); e != nil {
		return nil, e
	}
	limit, after, e := s.orgsPage(req, "organizations:ListChildren", &in)
	if e != nil {
		return nil, e
	}
	o, e := s.orgsAuthorize(req, "ListChildren", true)
	if e != nil {
		return nil, e
	}
	parent, e := orgsParent(o, &in)
	if e != nil {
		return nil, e
	}
	var ids []string
	switch {
	case in.ChildType == nil:
		return nil, errInvalidInput("INPUT_REQUIRED", "You must specify a value for the ChildType parameter.")
	case *in.ChildType == "ACCOUNT":
		for id := range o.accounts {
			if o.parentOf(id) == parent {
				ids = append(ids, id)
			}
		}
	case *in.ChildType == "ORGANIZATIONAL_UNIT":
		for id, u := range o.units {
			if u.parent == parent {
				ids = append(ids, id)
			}
		}
	default:
		return nil, errorf(http.StatusBadRequest, "ValidationException", "1 validation error detected: Value at 'childType' failed to satisfy constraint: Member must satisfy enum value set: [ORGANIZATIONAL_UNIT, ACCOUNT]")
	}
	ids, next := s.page("organizations:ListChildren", ids, after, limit)
	type child struct {
		ID   string `json:"Id"`
		Type string
	}
	out := struct {
		Children  []child
		NextToken string `json:",omitempty"`
	}{Children: []child{}, NextToken: next}
	for _, id := range ids {
		out.Children = append(out.Children, child{ID: id, Type: *in.ChildType})
	}
	return out, nil
}
