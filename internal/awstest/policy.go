package awstest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// TrustPolicy is a role's trust policy (its AssumeRolePolicyDocument) in a
// form the emulator evaluates. Build one with TrustPolicyFor or parse a
// JSON document with ParseTrustPolicy; Document renders it back.
type TrustPolicy struct {
	// Version is the policy language version, "2012-10-17" (or the legacy
	// "2008-10-17"); empty if the document had none.
	Version string
	// Statements are evaluated like IAM does: an explicit Deny wins,
	// otherwise some Allow must match.
	Statements []TrustStatement
}

// TrustStatement is one statement of a trust policy.
type TrustStatement struct {
	// Sid is the optional statement ID.
	Sid string
	// Effect is "Allow" or "Deny".
	Effect string
	// Principals are the AWS principals: "*", account roots
	// ("arn:aws:iam::ID:root"; bare IDs are normalised to this), IAM user
	// and role ARNs, and assumed-role session ARNs.
	Principals []string
	// Services and Federated are the other principal kinds. They are kept
	// so documents round-trip; no emulated caller matches them.
	Services  []string
	Federated []string
	// Actions are action patterns such as "sts:AssumeRole" or "sts:*"
	// (case-insensitive).
	Actions []string
	// Conditions must all hold for the statement to apply.
	Conditions []Condition
}

// Condition is one condition of a statement: an operator, a context key
// and the values compared against (any may match).
type Condition struct {
	// Operator is a condition operator, optionally with the IfExists
	// suffix: StringEquals, StringNotEquals, StringEqualsIgnoreCase,
	// StringNotEqualsIgnoreCase, StringLike, StringNotLike, Bool, ArnEquals,
	// ArnNotEquals, ArnLike, ArnNotLike, or Null.
	Operator string
	// Key is a condition key, e.g. "aws:MultiFactorAuthPresent",
	// "sts:ExternalId", "aws:PrincipalArn" (case-insensitive).
	Key string
	// Values are the policy values; booleans are "true" or "false".
	Values []string
}

// conditionOperators are the supported operators, without IfExists.
var conditionOperators = map[string]bool{
	"StringEquals": true, "StringNotEquals": true,
	"StringEqualsIgnoreCase": true, "StringNotEqualsIgnoreCase": true,
	"StringLike": true, "StringNotLike": true,
	"Bool":      true,
	"ArnEquals": true, "ArnNotEquals": true, "ArnLike": true, "ArnNotLike": true,
	"Null": true,
}

// TrustPolicyFor builds the usual single-statement trust policy: Allow
// sts:AssumeRole to the principals of the accounts (bare 12-digit IDs or
// root ARNs) and to the given user/role ARNs, with
// aws:MultiFactorAuthPresent = true if requireMFA and sts:ExternalId =
// externalID if that is not empty. With no principals at all the policy
// trusts nobody.
func TrustPolicyFor(accounts, principals []string, requireMFA bool, externalID string) (TrustPolicy, error) {
	p := TrustPolicy{Version: "2012-10-17"}
	var all []string
	for _, a := range accounts {
		n, err := normalizePrincipal(a)
		if err != nil || !strings.HasSuffix(n, ":root") {
			return TrustPolicy{}, fmt.Errorf("invalid trusted account %q", a)
		}
		all = append(all, n)
	}
	for _, a := range principals {
		n, err := normalizePrincipal(a)
		if err != nil {
			return TrustPolicy{}, err
		}
		all = append(all, n)
	}
	if len(all) == 0 {
		return p, nil
	}
	st := TrustStatement{Effect: "Allow", Principals: all, Actions: []string{"sts:AssumeRole"}}
	if requireMFA {
		st.Conditions = append(st.Conditions, Condition{Operator: "Bool", Key: "aws:MultiFactorAuthPresent", Values: []string{"true"}})
	}
	if externalID != "" {
		st.Conditions = append(st.Conditions, Condition{Operator: "StringEquals", Key: "sts:ExternalId", Values: []string{externalID}})
	}
	p.Statements = []TrustStatement{st}
	return p, nil
}

var principalARNRE = regexp.MustCompile(`^arn:aws:(iam::[0-9]{12}:(root|user/.+|role/.+)|sts::[0-9]{12}:assumed-role/[^/]+/[^/]+)$`)

// normalizePrincipal checks an AWS principal and turns a bare account ID
// into its root ARN.
func normalizePrincipal(p string) (string, error) {
	switch {
	case p == "*":
		return p, nil
	case accountRE.MatchString(p):
		return "arn:aws:iam::" + p + ":root", nil
	case principalARNRE.MatchString(p):
		return p, nil
	}
	return "", fmt.Errorf("Invalid principal in policy: \"AWS\":\"%s\"", p)
}

// ParseTrustPolicy parses a JSON trust policy document, such as
//
//	{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
//	  "Principal":{"AWS":"arn:aws:iam::111122223333:root"},
//	  "Action":"sts:AssumeRole",
//	  "Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}
//
// Statement may be an object or a list; Principal "*" or an object whose
// AWS, Service and Federated entries are a string or a list; Action a
// string or a list; condition values strings, booleans or lists. Element
// names are case-sensitive as in IAM. Elements a trust policy may not have
// (Resource) or that the emulator does not evaluate (NotPrincipal,
// NotAction, unsupported condition operators) are errors, so that a policy
// is never silently more permissive than in AWS.
func ParseTrustPolicy(doc string) (TrustPolicy, error) {
	var top map[string]json.RawMessage
	if err := decodeStrict(doc, &top); err != nil {
		return TrustPolicy{}, fmt.Errorf("This policy contains invalid Json: %v", err)
	}
	var p TrustPolicy
	for k, raw := range top {
		switch k {
		case "Version":
			if err := json.Unmarshal(raw, &p.Version); err != nil || (p.Version != "2012-10-17" && p.Version != "2008-10-17") {
				return TrustPolicy{}, fmt.Errorf("The policy must contain a valid version string, got %s", raw)
			}
		case "Id":
			var id string
			if err := json.Unmarshal(raw, &id); err != nil {
				return TrustPolicy{}, errors.New("Id must be a string")
			}
		case "Statement":
		default:
			return TrustPolicy{}, fmt.Errorf("Policy document has unknown element %q", k)
		}
	}
	raws, err := oneOrMany[json.RawMessage](top["Statement"])
	if err != nil || len(raws) == 0 {
		return TrustPolicy{}, errors.New("Missing required field Statement")
	}
	for i, raw := range raws {
		st, err := parseStatement(raw)
		if err != nil {
			return TrustPolicy{}, fmt.Errorf("statement %d: %w", i+1, err)
		}
		p.Statements = append(p.Statements, st)
	}
	return p, nil
}

// decodeStrict decodes exactly one JSON value from doc.
func decodeStrict(doc string, v any) error {
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the document")
	}
	return nil
}

// oneOrMany decodes a JSON value that IAM allows as a single item or a list.
func oneOrMany[T any](raw json.RawMessage) ([]T, error) {
	if len(raw) == 0 {
		return nil, errors.New("missing")
	}
	if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) {
		var list []T
		err := json.Unmarshal(raw, &list)
		return list, err
	}
	var one T
	if err := json.Unmarshal(raw, &one); err != nil {
		return nil, err
	}
	return []T{one}, nil
}

func parseStatement(raw json.RawMessage) (TrustStatement, error) {
	var st TrustStatement
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return st, errors.New("Statement must be an object")
	}
	for k := range fields {
		switch k {
		case "Sid", "Effect", "Principal", "Action", "Condition":
		case "Resource", "NotResource":
			return st, fmt.Errorf("Has prohibited field %s", k)
		case "NotPrincipal", "NotAction":
			return st, fmt.Errorf("%s is not supported by the emulator", k)
		default:
			return st, fmt.Errorf("Statement has unknown element %q", k)
		}
	}
	if raw, ok := fields["Sid"]; ok {
		if err := json.Unmarshal(raw, &st.Sid); err != nil {
			return st, errors.New("Sid must be a string")
		}
	}
	if err := json.Unmarshal(fields["Effect"], &st.Effect); err != nil || (st.Effect != "Allow" && st.Effect != "Deny") {
		return st, errors.New("Missing or invalid Effect: must be \"Allow\" or \"Deny\"")
	}
	actions, err := oneOrMany[string](fields["Action"])
	if err != nil || len(actions) == 0 {
		return st, errors.New("Missing required field Action")
	}
	for _, a := range actions {
		if a != "*" && !strings.Contains(a, ":") {
			return st, fmt.Errorf("Invalid action %q", a)
		}
	}
	st.Actions = actions
	if err := parsePrincipal(fields["Principal"], &st); err != nil {
		return st, err
	}
	if raw, ok := fields["Condition"]; ok {
		if st.Conditions, err = parseConditions(raw); err != nil {
			return st, err
		}
	}
	return st, nil
}

func parsePrincipal(raw json.RawMessage, st *TrustStatement) error {
	if len(raw) == 0 {
		return errors.New("Missing required field Principal")
	}
	var star string
	if json.Unmarshal(raw, &star) == nil {
		if star != "*" {
			return fmt.Errorf("Invalid principal in policy: %s", raw)
		}
		st.Principals = []string{"*"}
		return nil
	}
	var kinds map[string]json.RawMessage
	if err := json.Unmarshal(raw, &kinds); err != nil || len(kinds) == 0 {
		return fmt.Errorf("Invalid principal in policy: %s", raw)
	}
	for kind, v := range kinds {
		list, err := oneOrMany[string](v)
		if err != nil || len(list) == 0 {
			return fmt.Errorf("Invalid principal in policy: %q:%s", kind, v)
		}
		switch kind {
		case "AWS":
			for _, p := range list {
				n, err := normalizePrincipal(p)
				if err != nil {
					return err
				}
				st.Principals = append(st.Principals, n)
			}
		case "Service":
			st.Services = append(st.Services, list...)
		case "Federated":
			st.Federated = append(st.Federated, list...)
		default:
			return fmt.Errorf("Invalid principal in policy: unsupported principal type %q", kind)
		}
	}
	return nil
}

func parseConditions(raw json.RawMessage) ([]Condition, error) {
	var ops map[string]map[string]json.RawMessage
	if err := json.Unmarshal(raw, &ops); err != nil {
		return nil, errors.New("Condition must map operators to objects of keys and values")
	}
	var out []Condition
	for op, keys := range ops {
		base := strings.TrimSuffix(op, "IfExists")
		if !conditionOperators[base] || (base == "Null" && op != base) {
			return nil, fmt.Errorf("Condition operator %q is not supported by the emulator", op)
		}
		for key, v := range keys {
			list, err := oneOrMany[any](v)
			if err != nil || len(list) == 0 {
				return nil, fmt.Errorf("Invalid value for condition %s %s: %s", op, key, v)
			}
			c := Condition{Operator: op, Key: key}
			for _, x := range list {
				switch x := x.(type) {
				case string:
					c.Values = append(c.Values, x)
				case bool:
					c.Values = append(c.Values, fmt.Sprint(x))
				case float64:
					c.Values = append(c.Values, string(mustJSON(x)))
				default:
					return nil, fmt.Errorf("Invalid value for condition %s %s: %s", op, key, v)
				}
			}
			out = append(out, c)
		}
	}
	// Map order is random; keep Document and comparisons stable.
	sort.Slice(out, func(i, j int) bool {
		if out[i].Operator != out[j].Operator {
			return out[i].Operator < out[j].Operator
		}
		return out[i].Key < out[j].Key
	})
	return out, nil
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// Document renders the policy as a JSON policy document that
// ParseTrustPolicy accepts, in the layout IAM uses: single values as
// strings, several as lists.
func (p TrustPolicy) Document() string {
	type principal struct {
		AWS       any `json:"AWS,omitempty"`
		Service   any `json:"Service,omitempty"`
		Federated any `json:"Federated,omitempty"`
	}
	type statement struct {
		Sid       string                    `json:"Sid,omitempty"`
		Effect    string                    `json:"Effect"`
		Principal any                       `json:"Principal"`
		Action    any                       `json:"Action"`
		Condition map[string]map[string]any `json:"Condition,omitempty"`
	}
	one := func(list []string) any {
		switch len(list) {
		case 0:
			return nil
		case 1:
			return list[0]
		}
		return list
	}
	doc := struct {
		Version   string      `json:"Version,omitempty"`
		Statement []statement `json:"Statement"`
	}{Version: p.Version, Statement: []statement{}}
	for _, st := range p.Statements {
		s := statement{Sid: st.Sid, Effect: st.Effect, Action: one(st.Actions)}
		if len(st.Principals) == 1 && st.Principals[0] == "*" && len(st.Services)+len(st.Federated) == 0 {
			s.Principal = "*"
		} else {
			s.Principal = principal{AWS: one(st.Principals), Service: one(st.Services), Federated: one(st.Federated)}
		}
		for _, c := range st.Conditions {
			if s.Condition == nil {
				s.Condition = map[string]map[string]any{}
			}
			if s.Condition[c.Operator] == nil {
				s.Condition[c.Operator] = map[string]any{}
			}
			s.Condition[c.Operator][c.Key] = one(c.Values)
		}
		doc.Statement = append(doc.Statement, s)
	}
	return string(mustJSON(doc))
}

// clone returns a deep copy, so callers cannot change a role's policy
// behind the server's lock.
func (p TrustPolicy) clone() TrustPolicy {
	c := TrustPolicy{Version: p.Version}
	for _, st := range p.Statements {
		st.Principals = append([]string(nil), st.Principals...)
		st.Services = append([]string(nil), st.Services...)
		st.Federated = append([]string(nil), st.Federated...)
		st.Actions = append([]string(nil), st.Actions...)
		conds := make([]Condition, len(st.Conditions))
		for i, cond := range st.Conditions {
			cond.Values = append([]string(nil), cond.Values...)
			conds[i] = cond
		}
		st.Conditions = conds
		c.Statements = append(c.Statements, st)
	}
	return c
}

// requestContext is what a policy is evaluated against: the caller, the
// action and the condition keys present in the request (by lower-case
// name).
type requestContext struct {
	caller *identity
	action string
	keys   map[string]string
}

// allows evaluates the trust policy: an explicit Deny wins, otherwise an
// Allow must match.
func (p *TrustPolicy) allows(ctx *requestContext) bool {
	allowed := false
	for i := range p.Statements {
		st := &p.Statements[i]
		if !st.applies(ctx) {
			continue
		}
		if st.Effect == "Deny" {
			return false
		}
		allowed = true
	}
	return allowed
}

func (st *TrustStatement) applies(ctx *requestContext) bool {
	ok := false
	for _, a := range st.Actions {
		if matchAction(a, ctx.action) {
			ok = true
			break
		}
	}
	if !ok {
		return false
	}
	ok = false
	for _, p := range st.Principals {
		if principalMatches(p, ctx.caller) {
			ok = true
			break
		}
	}
	if !ok {
		return false
	}
	for _, c := range st.Conditions {
		if !c.holds(ctx.keys) {
			return false
		}
	}
	return true
}

// principalMatches reports whether a policy principal names the caller.
// An account root admits every principal of the account, as in AWS (the
// account then delegates through identity-based permissions).
func principalMatches(p string, id *identity) bool {
	switch {
	case p == "*", p == "arn:aws:iam::"+id.account+":root":
		return true
	case id.role != nil:
		return p == id.role.arn || p == id.arn()
	default:
		return p == id.user.arn
	}
}

// holds evaluates the condition against the request's keys, following
// IAM: a missing key fails the condition, except with IfExists or a
// negated operator.
func (c Condition) holds(keys map[string]string) bool {
	v, present := keys[strings.ToLower(c.Key)]
	op := c.Operator
	if op == "Null" {
		for _, want := range c.Values {
			if strings.EqualFold(want, fmt.Sprint(!present)) {
				return true
			}
		}
		return false
	}
	op, ifExists := strings.CutSuffix(op, "IfExists")
	negated := strings.Contains(op, "Not")
	if !present {
		return ifExists || negated
	}
	matched := false
	for _, want := range c.Values {
		switch strings.Replace(op, "Not", "", 1) {
		case "StringEquals":
			matched = v == want
		case "StringEqualsIgnoreCase":
			matched = strings.EqualFold(v, want)
		case "StringLike", "ArnEquals", "ArnLike":
			matched = wildcardMatch(want, v)
		case "Bool":
			matched = strings.EqualFold(v, want)
		}
		if matched {
			break
		}
	}
	return matched != negated
}

// matchAction matches an IAM action pattern, case-insensitively.
func matchAction(pattern, action string) bool {
	return wildcardMatch(strings.ToLower(pattern), strings.ToLower(action))
}

// wildcardMatch matches s against an IAM pattern in which '*' matches any
// run of characters and '?' any single character.
func wildcardMatch(pattern, s string) bool {
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			// Let the last '*' swallow one more character.
			mark++
			p, i = star+1, mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
