package cli

import (
	"flag"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/credproc/credproc/credproc"
)

// orgScale is `setup --org`'s options for large organizations.
type orgScale struct {
	prune    bool
	roles    string
	ous      stringList
	template string
}

// registerOrgScaleFlags adds --prune, --roles, --ou and --name-template.
func registerOrgScaleFlags(fs *flag.FlagSet) *orgScale {
	o := &orgScale{}
	fs.BoolVar(&o.prune, "prune", false, "with --org: delete the credproc-managed profiles of accounts that are no longer ACTIVE members (never a hand-written profile)")
	fs.StringVar(&o.roles, "roles", "", "with --org: one profile per account and role, for these role names (comma-separated); names get the role as a suffix")
	fs.Var(&o.ous, "ou", "with --org: only accounts in this OU or any OU below it (repeatable; ou-… or r-…)")
	fs.StringVar(&o.template, "name-template", "", "with --org: profile names from {name}, {id}, {role} and {ou} (the OU path), e.g. {ou}-{name}-{role}")
	return o
}

// given reports whether any of these flags was used (they need --org).
func (o *orgScale) given() bool {
	return o.prune || o.roles != "" || len(o.ous) > 0 || o.template != ""
}

// roleList parses --roles.
func (o *orgScale) roleList(region string) ([]string, error) {
	if o.roles == "" {
		return nil, nil
	}
	var roles []string
	seen := map[string]bool{}
	for _, r := range strings.Split(o.roles, ",") {
		r = strings.TrimSpace(r)
		if _, err := credproc.RoleARN(region, "000000000000", r); err != nil {
			return nil, err
		}
		if seen[r] {
			return nil, usagef("setup --org: --roles names %s twice", r)
		}
		if orgSlug(r) == "" {
			return nil, usagef("setup --org: role name %q has no letter or digit for the profile name", r)
		}
		seen[r] = true
		roles = append(roles, r)
	}
	return roles, nil
}

var templateFieldRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\{[^{}]*\}`) })

// orgTemplate compiles --name-template: {name}, {id}, {role} and {ou} are
// replaced by the account name, ID, role and OU path (each in profile-name
// form, the OU path's parts joined with dashes; "root" under the root).
func orgTemplate(tmpl string, places func(id string) orgPlace) (func(a orgAccount, role string) string, bool, error) {
	usesOU := false
	for _, f := range templateFieldRe().FindAllString(tmpl, -1) {
		switch f {
		case "{name}", "{id}", "{role}":
		case "{ou}":
			usesOU = true
		default:
			return nil, false, usagef("setup --org: --name-template: unknown field %s: use {name}, {id}, {role} and {ou}", f)
		}
	}
	if !strings.Contains(tmpl, "{name}") && !strings.Contains(tmpl, "{id}") {
		return nil, false, usagef("setup --org: --name-template must hold {name} or {id}, or every account gets the same name")
	}
	if strings.ContainsAny(templateFieldRe().ReplaceAllString(tmpl, ""), "{}") {
		return nil, false, usagef("setup --org: --name-template: unbalanced { or }")
	}
	return func(a orgAccount, role string) string {
		ou := "root"
		if usesOU {
			var parts []string
			for _, n := range places(a.ID).names {
				if s := orgSlug(n); s != "" {
					parts = append(parts, s)
				}
			}
			if len(parts) > 0 {
				ou = strings.Join(parts, "-")
			}
		}
		name := orgSlug(a.Name)
		if name == "" {
			name = a.ID
		}
		r := strings.NewReplacer("{name}", name, "{id}", a.ID, "{role}", orgSlug(role), "{ou}", ou)
		return strings.Trim(strings.ReplaceAll(r.Replace(tmpl), "--", "-"), "-")
	}, usesOU, nil
}

// orgHandful bounds the profiles named per category in a summary line.
const orgHandful = 5

// orgFew joins at most a handful of names and says how many more.
func orgFew(names []string) string {
	if len(names) > orgHandful {
		return strings.Join(names[:orgHandful], ", ") + fmt.Sprintf(" and %d more", len(names)-orgHandful)
	}
	return strings.Join(names, ", ")
}

var orgParentRe = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$`)
})

func mapValues[K comparable, V any](m map[K]V) []V {
	out := make([]V, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func orgWasWere(n int) string {
	if n == 1 {
		return "was"
	}
	return "were"
}

func orgItThem(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}
