package awsapi

import (
	_ "embed"
	"encoding/json"
	"regexp"
	"slices"
	"sort"
	"sync"
)

// partitionsJSON is the SDK's partition data (aws-sdk-go-v2's
// internal/endpoints/awsrulesfn/partitions.json, which its endpoint rules
// use), copied byte for byte because the SDK keeps it in an internal
// package. TestPartitionsMatchSDK fails when the SDK in go.mod ships a
// different copy: `go generate ./internal/awsapi` refreshes it, and a new
// region or partition needs nothing else.
//
//go:generate sh -c "cp $(go list -m -f '{{.Dir}}' github.com/aws/aws-sdk-go-v2)/internal/endpoints/awsrulesfn/partitions.json . && chmod 644 partitions.json"
//go:embed partitions.json
var partitionsJSON []byte

// PartitionInfo is what the SDK's partition data says about one partition.
type PartitionInfo struct {
	ID                   string // "aws", "aws-cn", "aws-eusc", …
	DNSSuffix            string // "amazonaws.com", "amazonaws.eu"
	DualStackDNSSuffix   string // "api.aws"
	ImplicitGlobalRegion string // where the partition's global services live: "us-east-1"
	Regions              []string
	regionRegex          string
	re                   *regexp.Regexp
}

type partitionFile struct {
	Partitions []struct {
		ID          string                     `json:"id"`
		RegionRegex string                     `json:"regionRegex"`
		Regions     map[string]json.RawMessage `json:"regions"`
		Outputs     struct {
			DNSSuffix            string `json:"dnsSuffix"`
			DualStackDNSSuffix   string `json:"dualStackDnsSuffix"`
			ImplicitGlobalRegion string `json:"implicitGlobalRegion"`
		} `json:"outputs"`
	} `json:"partitions"`
}

// partitions parses the data on first use only: the cache hit never needs
// it, and a parse (and the region patterns) at init would cost every run.
var partitions = sync.OnceValue(func() []*PartitionInfo {
	var f partitionFile
	if err := json.Unmarshal(partitionsJSON, &f); err != nil {
		panic("awsapi: the embedded partitions.json is not valid: " + err.Error())
	}
	var out []*PartitionInfo
	for _, p := range f.Partitions {
		pi := &PartitionInfo{
			ID:                   p.ID,
			DNSSuffix:            p.Outputs.DNSSuffix,
			DualStackDNSSuffix:   p.Outputs.DualStackDNSSuffix,
			ImplicitGlobalRegion: p.Outputs.ImplicitGlobalRegion,
			regionRegex:          p.RegionRegex,
		}
		for r := range p.Regions {
			pi.Regions = append(pi.Regions, r)
		}
		sort.Strings(pi.Regions)
		out = append(out, pi)
	}
	return out
})

var compileOnce sync.Once

// LookupPartition finds region's partition as the SDK's endpoint rules do:
// a region the data names, else the first partition whose region pattern
// matches. known says whether the data names the region itself.
func LookupPartition(region string) (p *PartitionInfo, known bool) {
	ps := partitions()
	for _, p := range ps {
		if slices.Contains(p.Regions, region) {
			return p, true
		}
	}
	compileOnce.Do(func() {
		for _, p := range ps {
			p.re = regexp.MustCompile(p.regionRegex)
		}
	})
	for _, p := range ps {
		if p.re.MatchString(region) {
			return p, false
		}
	}
	return nil, false
}

// Partitions lists every partition the SDK's data knows.
func Partitions() []*PartitionInfo { return partitions() }

// Partition returns the ID of region's partition ("aws" for a region no
// partition claims, as the SDK's rules fall back to it).
func Partition(region string) string {
	if p, _ := LookupPartition(region); p != nil {
		return p.ID
	}
	return "aws"
}

// PartitionByID returns the partition with that ID, or nil.
func PartitionByID(id string) *PartitionInfo {
	for _, p := range partitions() {
		if p.ID == id {
			return p
		}
	}
	return nil
}

// KnownRegions lists every region the partition data names (not the
// "*-global" pseudo-regions), sorted.
func KnownRegions() []string {
	var rs []string
	for _, p := range partitions() {
		for _, r := range p.Regions {
			if !isGlobalPseudoRegion(r) {
				rs = append(rs, r)
			}
		}
	}
	sort.Strings(rs)
	return rs
}

func isGlobalPseudoRegion(r string) bool {
	return len(r) > 7 && r[len(r)-7:] == "-global"
}

// NearestRegions returns up to n known regions closest to region by edit
// distance, closest first: the suggestions for a misspelt region.
func NearestRegions(region string, n int) []string {
	type cand struct {
		r string
		d int
	}
	var cs []cand
	for _, r := range KnownRegions() {
		cs = append(cs, cand{r, editDistance(region, r)})
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].d < cs[j].d })
	var out []string
	for i := 0; i < len(cs) && i < n; i++ {
		out = append(out, cs[i].r)
	}
	return out
}

// editDistance is the Levenshtein distance with adjacent transpositions
// counted as one edit (eu-wset-1 is one edit from eu-west-1).
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := 0; j <= len(b); j++ {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
