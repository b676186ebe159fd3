package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/credproc/credproc/cache"
	"github.com/credproc/credproc/credproc"
	"github.com/credproc/credproc/internal/awsapi"
)

// The Organizations calls beyond ListAccounts (org.go), all through
// awsapi's JSON entry point: the accounts under an OU, walking the tree.

// orgListPages calls op with in (ParentId set) page by page, 20 at a time,
// and hands each page to add.
func orgListPages(ctx context.Context, client *awsapi.Client, op, parent string, page func() any, add func(any) string) error {
	in := struct {
		ParentID   string `json:"ParentId"`
		MaxResults int
		NextToken  string `json:",omitempty"`
	}{ParentID: parent, MaxResults: 20}
	for {
		out := page()
		if err := client.JSON(ctx, op, in, out); err != nil {
			return err
		}
		next := add(out)
		if next == "" {
			return nil
		}
		if next == in.NextToken {
			return fmt.Errorf("%s: AWS Organizations returned the same NextToken twice", op)
		}
		in.NextToken = next
	}
}

// listOUAccounts returns every account under the OU (or root) ou, in it or
// in any OU below it, sorted by ID.
func listOUAccounts(ctx context.Context, c cache.Credentials, region, source, ou string) ([]orgAccount, error) {
	client := awsapi.New(awsapi.Organizations, c, region)
	var out []orgAccount
	queue := []string{ou}
	seen := map[string]bool{ou: true}
	for len(queue) > 0 {
		parent := queue[0]
		queue = queue[1:]
		type accountsPage struct {
			Accounts []struct {
				ID                  string `json:"Id"`
				Name, State, Status string
			}
			NextToken string
		}
		err := orgListPages(ctx, client, "ListAccountsForParent", parent,
			func() any { return &accountsPage{} },
			func(p any) string {
				pg := p.(*accountsPage)
				for _, a := range pg.Accounts {
					acct := orgAccount{ID: a.ID, Name: a.Name, State: a.State}
					if acct.State == "" {
						acct.State = a.Status
					}
					out = append(out, acct)
				}
				return pg.NextToken
			})
		if err != nil {
			return nil, explainOrgTree(err, source, ou)
		}
		type ousPage struct {
			OrganizationalUnits []struct {
				ID string `json:"Id"`
			}
			NextToken string
		}
		err = orgListPages(ctx, client, "ListOrganizationalUnitsForParent", parent,
			func() any { return &ousPage{} },
			func(p any) string {
				pg := p.(*ousPage)
				for _, u := range pg.OrganizationalUnits {
					if !seen[u.ID] {
						seen[u.ID] = true
						queue = append(queue, u.ID)
					}
				}
				return pg.NextToken
			})
		if err != nil {
			return nil, explainOrgTree(err, source, ou)
		}
	}
	for _, a := range out {
		if err := credproc.CheckAccountID(a.ID); err != nil {
			return nil, fmt.Errorf("ListAccountsForParent: %w", err)
		}
	}
	slices.SortFunc(out, func(a, b orgAccount) int {
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
	return slices.CompactFunc(out, func(a, b orgAccount) bool { return a.ID == b.ID }), nil
}

// explainOrgTree explains a failure to list an OU.
func explainOrgTree(err error, source, ou string) error {
	x := credproc.Explain(credproc.Call{Service: "organizations", Source: source, OU: ou}, err)
	var e *credproc.Error
	if code := credproc.ErrorCode(err); errors.As(x, &e) && code != "ParentNotFoundException" && code != "InvalidInputException" {
		e.Msg = "listing OU " + ou + ": " + e.Msg
	}
	return x
}

// orgPlace is where an account sits in the tree: the OUs from the root
// down to its parent (empty under the root).
type orgPlace struct {
	ids, names []string
}

// under reports whether the place is in OU (or root) id or below it.
func (p orgPlace) under(id, root string) bool {
	return id == root || slices.Contains(p.ids, id)
}

// orgTree walks the whole tree from the root and returns the root's ID and
// every account's place.
func orgTree(ctx context.Context, c cache.Credentials, region, source string) (string, map[string]orgPlace, error) {
	client := awsapi.New(awsapi.Organizations, c, region)
	var roots struct {
		Roots []struct {
			ID string `json:"Id"`
		}
	}
	if err := client.JSON(ctx, "ListRoots", struct{}{}, &roots); err != nil {
		return "", nil, explainOrg(err, source)
	}
	if len(roots.Roots) == 0 {
		return "", nil, errors.New("ListRoots: the organization has no root")
	}
	root := roots.Roots[0].ID
	places := map[string]orgPlace{}
	type item struct {
		id    string
		place orgPlace
	}
	queue := []item{{id: root}}
	seen := map[string]bool{root: true}
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		type accountsPage struct {
			Accounts []struct {
				ID string `json:"Id"`
			}
			NextToken string
		}
		err := orgListPages(ctx, client, "ListAccountsForParent", it.id,
			func() any { return &accountsPage{} },
			func(p any) string {
				pg := p.(*accountsPage)
				for _, a := range pg.Accounts {
					places[a.ID] = it.place
				}
				return pg.NextToken
			})
		if err != nil {
			return "", nil, explainOrg(err, source)
		}
		type ousPage struct {
			OrganizationalUnits []struct {
				ID   string `json:"Id"`
				Name string
			}
			NextToken string
		}
		err = orgListPages(ctx, client, "ListOrganizationalUnitsForParent", it.id,
			func() any { return &ousPage{} },
			func(p any) string {
				pg := p.(*ousPage)
				for _, u := range pg.OrganizationalUnits {
					if seen[u.ID] {
						continue
					}
					seen[u.ID] = true
					queue = append(queue, item{u.ID, orgPlace{
						ids:   append(slices.Clone(it.place.ids), u.ID),
						names: append(slices.Clone(it.place.names), u.Name),
					}})
				}
				return pg.NextToken
			})
		if err != nil {
			return "", nil, explainOrg(err, source)
		}
	}
	return root, places, nil
}
