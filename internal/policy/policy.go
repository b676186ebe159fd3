// Package policy compares IAM policy documents by what they mean rather than
// how they are written: init-role uses it to tell whether an existing role's
// trust policy is the one it would write, and to say how it differs.
package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/credproc/credproc/credproc"
)

// RootARN is the principal that stands for every identity of account.
func RootARN(partition, account string) string {
	return "arn:" + partition + ":iam::" + account + ":root"
}

// Statement is a policy statement in canonical form: every list sorted and
// without duplicates, single values as one-element lists, account IDs as
// root ARNs, case-insensitive names (actions, condition keys) lower-cased,
// Sid dropped. Two statements mean the same when their JSON is equal.
type Statement map[string]any

// Canonical returns the canonical statements of a policy document,
// sorted and without duplicates. The Version is left out: it only changes
// how policy variables are read, and trust policies here use none.
func Canonical(doc, partition string) ([]string, []Statement, error) {
	var d map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return nil, nil, fmt.Errorf("not a JSON policy document: %v", err)
	}
	var raw []map[string]any
	if st := d["Statement"]; len(st) > 0 {
		if err := json.Unmarshal(st, &raw); err != nil {
			var one map[string]any
			if err := json.Unmarshal(st, &one); err != nil {
				return nil, nil, errors.New("its Statement is neither an object nor a list of objects")
			}
			raw = []map[string]any{one}
		}
	}
	seen := map[string]bool{}
	var keys []string
	var stmts []Statement
	for _, m := range raw {
		s := canonicalStatement(m, partition)
		b, _ := json.Marshal(s) // map keys are sorted: a canonical form
		if !seen[string(b)] {
			seen[string(b)] = true
			keys = append(keys, string(b))
			stmts = append(stmts, s)
		}
	}
	sort.Strings(keys)
	return keys, stmts, nil
}

// canonicalStatement puts one statement in canonical form.
func canonicalStatement(m map[string]any, partition string) Statement {
	s := Statement{}
	for k, v := range m {
		switch k {
		case "Sid":
		case "Principal", "NotPrincipal":
			s[k] = canonicalPrincipal(v, partition)
		case "Action", "NotAction":
			s[k] = stringSet(v, strings.ToLower)
		case "Resource", "NotResource":
			s[k] = stringSet(v, nil)
		case "Condition":
			s[k] = canonicalCondition(v)
		default:
			s[k] = v
		}
	}
	return s
}

// canonicalPrincipal normalises a Principal element; "*" stays as it is.
func canonicalPrincipal(v any, partition string) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v // "*"
	}
	out := map[string]any{}
	for typ, ps := range m {
		norm := func(p string) string { return p }
		if typ == "AWS" {
			// IAM stores a bare account ID as the account's root ARN.
			norm = func(p string) string {
				if credproc.CheckAccountID(p) == nil {
					return RootARN(partition, p)
				}
				return p
			}
		}
		out[typ] = stringSet(ps, norm)
	}
	return out
}

// canonicalCondition normalises a Condition element. Operators keep their
// case; keys are case-insensitive in IAM.
func canonicalCondition(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := map[string]any{}
	for op, kv := range m {
		inner, ok := kv.(map[string]any)
		if !ok {
			out[op] = kv
			continue
		}
		c := map[string]any{}
		for key, vals := range inner {
			var norm func(string) string
			if strings.HasPrefix(op, "Bool") || strings.HasPrefix(op, "Null") {
				norm = strings.ToLower // "True" and true both mean true
			}
			c[strings.ToLower(key)] = stringSet(vals, norm)
		}
		out[op] = c
	}
	return out
}

// stringSet turns a policy value (a string, number, bool or a list of them)
// into a sorted list without duplicates, each passed through norm.
func stringSet(v any, norm func(string) string) []string {
	var items []any
	if l, ok := v.([]any); ok {
		items = l
	} else {
		items = []any{v}
	}
	var out []string
	for _, it := range items {
		var s string
		switch x := it.(type) {
		case string:
			s = x
		default:
			b, _ := json.Marshal(x)
			s = string(b)
		}
		if norm != nil {
			s = norm(s)
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// Same reports whether two policy documents say the same.
func Same(a, b, partition string) (bool, error) {
	ka, _, err := Canonical(a, partition)
	if err != nil {
		return false, err
	}
	kb, _, err := Canonical(b, partition)
	if err != nil {
		return false, err
	}
	return slices.Equal(ka, kb), nil
}

// TrustDifferences says, one line each, how the trust policy have differs
// from want, which trusts the management account mgmt (with MFA when
// requireMFA): which principals have trusts that it should not and the
// other way round, and how its MFA requirement differs.
func TrustDifferences(have, want, mgmt, partition string, requireMFA bool) []string {
	_, stmts, err := Canonical(have, partition)
	if err != nil {
		return []string{fmt.Sprintf("the trust policy cannot be read (%v)", err)}
	}
	root := RootARN(partition, mgmt)
	_, wantSts, _ := Canonical(want, partition)
	wantCond, _ := json.Marshal(wantSts[0]["Condition"])
	var lines []string
	trustsMgmt, mgmtCondOK, mgmtMFA := false, false, false
	for _, st := range stmts {
		if !grantsAssumeRole(st) {
			b, _ := json.Marshal(st)
			lines = append(lines, "the trust policy has a statement init-role would not write: "+string(b))
			continue
		}
		cond, _ := json.Marshal(st["Condition"])
		for _, p := range principals(st) {
			if p != root {
				lines = append(lines, "the trust policy also trusts "+p)
				continue
			}
			trustsMgmt = true
			mgmtCondOK = mgmtCondOK || string(cond) == string(wantCond)
			mgmtMFA = mgmtMFA || requiresMFA(st)
		}
	}
	switch {
	case !trustsMgmt:
		lines = append(lines, fmt.Sprintf("the trust policy does not trust the management account %s (principal %s)", mgmt, root))
	case mgmtCondOK:
	case requireMFA && !mgmtMFA:
		lines = append(lines, "the trust policy does not require MFA, but --require-mfa was given")
	case !requireMFA && mgmtMFA:
		lines = append(lines, "the trust policy requires MFA (aws:MultiFactorAuthPresent), but --require-mfa was not given")
	default:
		lines = append(lines, fmt.Sprintf("the trust policy puts other conditions on the management account: %s", conditionsOn(stmts, root)))
	}
	if len(lines) == 0 {
		b, _ := json.Marshal(stmts)
		lines = append(lines, "the trust policy differs: "+string(b))
	}
	return lines
}

// grantsAssumeRole reports whether st allows sts:AssumeRole to principals.
func grantsAssumeRole(st Statement) bool {
	if st["Effect"] != "Allow" || st["NotPrincipal"] != nil || st["NotAction"] != nil {
		return false
	}
	acts, _ := st["Action"].([]string)
	return slices.ContainsFunc(acts, func(a string) bool { return a == "sts:assumerole" || a == "sts:*" || a == "*" })
}

// principals lists st's principals, non-AWS kinds as "Service:NAME".
func principals(st Statement) []string {
	var out []string
	switch p := st["Principal"].(type) {
	case map[string]any:
		for typ, v := range p {
			for _, x := range v.([]string) {
				if typ != "AWS" {
					x = typ + ":" + x
				}
				out = append(out, x)
			}
		}
	case nil:
	default:
		out = append(out, fmt.Sprint(p))
	}
	sort.Strings(out)
	return out
}

// requiresMFA reports whether st allows only MFA-authenticated callers.
func requiresMFA(st Statement) bool {
	c, _ := st["Condition"].(map[string]any)
	b, _ := c["Bool"].(map[string]any)
	v, _ := b["aws:multifactorauthpresent"].([]string)
	return slices.Equal(v, []string{"true"})
}

// conditionsOn renders the conditions of the statements trusting principal.
func conditionsOn(stmts []Statement, principal string) string {
	var cs []string
	for _, st := range stmts {
		if grantsAssumeRole(st) && slices.Contains(principals(st), principal) {
			b, _ := json.Marshal(st["Condition"])
			cs = append(cs, string(b))
		}
	}
	return strings.Join(cs, " or ")
}
