package awstest

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// This file emulates IAM's policy simulator for principals,
// SimulatePrincipalPolicy. It evaluates the same identity permissions that
// STS and the other services authorise against (see permissions), so a
// simulation answers exactly what a real call by that user or role would
// meet on the identity side. The trust policy of a role being assumed is
// not part of it, as in AWS: it is the role's resource policy, which the
// simulator only considers when given as ResourcePolicy.
//
// Emulated: PolicySourceArn naming a user or role of the caller's own
// account, ActionNames, ResourceArns (default "*"), ContextEntries (checked
// for form; the emulated identity permissions have no conditions, so they
// never change a decision), MaxItems and Marker. One result is returned
// per action and resource, in request order, with EvalResourceName the
// resource simulated. Decisions are allowed or implicitDeny; the model has
// no Deny statements, and matched statement positions are not reported.
// PolicyInputList, PermissionsBoundaryPolicyInputList, ResourcePolicy,
// ResourceOwner, CallerArn and ResourceHandlingOption are refused as not
// emulated.

// Parameter limits of SimulatePrincipalPolicy from the IAM API model.
const (
	maxSimulationItems = 1000 // MaxItems
	defaultSimItems    = 100
)

// contextKeyTypes are the ContextKeyType values IAM accepts.
var contextKeyTypes = []string{"string", "stringList", "numeric", "numericList", "boolean",
	"booleanList", "ip", "ipList", "binary", "binaryList", "date", "dateList"}

// simulationSourceRE splits a PolicySourceArn: account, entity kind, name
// (the last path segment).
var simulationSourceRE = regexp.MustCompile(`^arn:aws:iam::([0-9]{12}):(user|group|role)(?:/[\x{21}-\x{7E}]*)?/([\w+=,.@-]+)$`)

// simulationNotEmulated are SimulatePrincipalPolicy parameters the
// emulator refuses rather than ignores, since they would change decisions.
var simulationNotEmulated = []string{"PolicyInputList", "PermissionsBoundaryPolicyInputList",
	"ResourcePolicy", "ResourceOwner", "CallerArn", "ResourceHandlingOption"}

// evaluationResult is a member of SimulatePrincipalPolicy's
// EvaluationResults, as IAM renders it.
type evaluationResult struct {
	EvalActionName   string
	EvalResourceName string
	EvalDecision     string
	// MatchedStatements and MissingContextValues are rendered empty:
	// the emulator has no policy documents to point into, and no
	// conditions that need context.
	MatchedStatements    struct{}
	MissingContextValues struct{}
	// OrganizationsDecisionDetail is present when the simulated
	// principal's account belongs to the organization; service control
	// policies are not emulated, so it always allows.
	OrganizationsDecisionDetail *organizationsDecision `xml:",omitempty"`
}

type organizationsDecision struct{ AllowedByOrganizations bool }

// listParam reads the list parameter name.member.1, .2, ... and checks
// each entry's length; member is the name in validation messages.
func listParam(v *validation, name, member string, min, max int) []string {
	var out []string
	for i := 1; ; i++ {
		p := name + ".member." + strconv.Itoa(i)
		if _, ok := v.req.param(p); !ok {
			return out
		}
		out = append(out, v.str(p, member+"."+strconv.Itoa(i)+".member", true, min, max, ""))
	}
}

// contextEntriesParam checks the ContextEntries.member.N list: key names
// of 5 to 256 characters and a known ContextKeyType. The entries
// themselves are not used.
func contextEntriesParam(v *validation) {
	for i := 1; ; i++ {
		prefix := "ContextEntries.member." + strconv.Itoa(i) + "."
		_, hasName := v.req.param(prefix + "ContextKeyName")
		_, hasType := v.req.param(prefix + "ContextKeyType")
		_, hasValue := v.req.param(prefix + "ContextKeyValues.member.1")
		if !hasName && !hasType && !hasValue {
			return
		}
		m := "contextEntries." + strconv.Itoa(i) + ".member."
		v.str(prefix+"ContextKeyName", m+"contextKeyName", false, 5, 256, "")
		if t, ok := v.req.param(prefix + "ContextKeyType"); ok && !containsString(contextKeyTypes, t) {
			v.fail(&t, m+"contextKeyType", "must satisfy enum value set: ["+strings.Join(contextKeyTypes, ", ")+"]")
		}
		listParam(v, prefix+"ContextKeyValues", m+"contextKeyValues", 0, maxBody)
	}
}

// simulationMarker is the seal kind of SimulatePrincipalPolicy markers,
// completed by the policy source ARN.
const simulationMarker = "iam:SimulatePrincipalPolicy"

func (s *Server) iamSimulatePrincipalPolicy(req *request) (any, *apiError) {
	v := validation{req: req}
	source := v.str("PolicySourceArn", "policySourceArn", true, 20, 2048, "")
	actions := listParam(&v, "ActionNames", "actionNames", 3, 128)
	if len(actions) == 0 {
		v.fail(nil, "actionNames", "must not be null")
	}
	resources := listParam(&v, "ResourceArns", "resourceArns", 1, 2048)
	contextEntriesParam(&v)
	marker := v.str("Marker", "marker", false, 1, 320, patMarker)
	maxItems := v.integer("MaxItems", "maxItems", defaultSimItems, 1, maxSimulationItems)
	if e := v.err(); e != nil {
		return nil, e
	}
	for _, p := range simulationNotEmulated {
		if _, given := req.param(p); given || len(req.params[p+".member.1"]) > 0 {
			return nil, errorf(http.StatusBadRequest, "InvalidInput", "awstest: SimulatePrincipalPolicy %s is not emulated", p)
		}
	}
	m := simulationSourceRE.FindStringSubmatch(source)
	if m == nil {
		return nil, errorf(http.StatusBadRequest, "InvalidInput", "ARN %s is not valid.", source)
	}
	if e := iamAuthorize(req, "SimulatePrincipalPolicy", source); e != nil {
		return nil, e
	}
	// IAM looks the entity up in the caller's account; users have no path
	// in the emulator, and roles are found by their exact ARN.
	var perms *permissions
	if m[1] == req.caller.account {
		switch m[2] {
		case "user":
			if u := s.users[source]; u != nil {
				perms = &u.perms
			}
		case "role":
			if r := s.roles[source]; r != nil {
				perms = &r.perms
			}
		}
	}
	if perms == nil {
		return nil, errorf(http.StatusNotFound, "NoSuchEntity", "The %s with name %s cannot be found.", m[2], m[3])
	}

	if len(resources) == 0 {
		resources = []string{"*"}
	}
	var org *organizationsDecision
	if s.org != nil && s.org.accounts[m[1]] != nil {
		org = &organizationsDecision{AllowedByOrganizations: true}
	}
	var results []evaluationResult
	for _, a := range actions {
		for _, r := range resources {
			d := "implicitDeny"
			if perms.allows(a, r) {
				d = "allowed"
			}
			results = append(results, evaluationResult{EvalActionName: a, EvalResourceName: r, EvalDecision: d, OrganizationsDecisionDetail: org})
		}
	}

	start := 0
	if _, given := req.param("Marker"); given {
		cursor, ok := s.unseal(simulationMarker+":"+source, marker)
		n, err := strconv.Atoi(cursor)
		if !ok || err != nil || n < 0 || n > len(results) {
			return nil, errorf(http.StatusBadRequest, "ValidationError", "Invalid Marker.")
		}
		start = n
	}
	out := struct {
		IsTruncated       bool
		EvaluationResults struct {
			Member []evaluationResult `xml:"member"`
		}
		Marker string `xml:",omitempty"`
	}{}
	results = results[start:]
	if len(results) > int(maxItems) {
		results = results[:maxItems]
		out.IsTruncated = true
		out.Marker = s.seal(simulationMarker+":"+source, strconv.Itoa(start+int(maxItems)))
	}
	out.EvaluationResults.Member = results
	return out, nil
}
