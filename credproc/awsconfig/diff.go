package awsconfig

import (
	"fmt"
	"strings"
)

// Diff returns a unified diff (hunks with three lines of context, no
// ---/+++ header) that turns old into new, or "" if they are equal. Lines
// are compared with their terminators, so a changed line ending shows up;
// a last line without a newline is marked "\\ No newline at end of file".
//
// It uses Myers' linear-space O(ND) algorithm on the lines that occur in
// both texts, so a few changes in a large file, or many added sections, diff
// quickly; past a fixed amount of work (texts that differ almost
// everywhere) it stops looking for the minimal diff and reports the rest of
// the differing region as replaced.
func Diff(old, new []byte) string {
	a, b := splitLines(string(old)), splitLines(string(new))
	if slicesEqual(a, b) {
		return ""
	}
	// Intern lines, and set aside lines found in only one text: they are
	// changes in any diff, and leaving them out cannot shorten the LCS.
	ids := map[string]int{}
	intern := func(lines []string) []int {
		out := make([]int, len(lines))
		for i, l := range lines {
			id, ok := ids[l]
			if !ok {
				id = len(ids)
				ids[l] = id
			}
			out[i] = id
		}
		return out
	}
	ia, ib := intern(a), intern(b)
	inA, inB := make([]bool, len(ids)), make([]bool, len(ids))
	for _, id := range ia {
		inA[id] = true
	}
	for _, id := range ib {
		inB[id] = true
	}
	var fa, fb, mapA, mapB []int
	for i, id := range ia {
		if inB[id] {
			fa, mapA = append(fa, id), append(mapA, i)
		}
	}
	for j, id := range ib {
		if inA[id] {
			fb, mapB = append(fb, id), append(mapB, j)
		}
	}
	d := &differ{a: fa, b: fb, keepA: make([]bool, len(fa)), keepB: make([]bool, len(fb))}
	n := len(fa) + len(fb) + 2
	d.vf = make([]int, 2*n+1)
	d.vb = make([]int, 2*n+1)
	d.off = n
	d.compare(0, len(fa), 0, len(fb))
	keepA, keepB := make([]bool, len(a)), make([]bool, len(b))
	for i, k := range d.keepA {
		keepA[mapA[i]] = k
	}
	for j, k := range d.keepB {
		keepB[mapB[j]] = k
	}
	return unified(a, b, keepA, keepB)
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func splitLines(s string) []string {
	var out []string
	for len(s) > 0 {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			out = append(out, s)
			break
		}
		out = append(out, s[:i+1])
		s = s[i+1:]
	}
	return out
}

// diffBudget bounds the diagonals Diff explores (tens of ns each), keeping
// the worst case well under a second.
const diffBudget = 12_000_000

type differ struct {
	a, b         []int
	keepA, keepB []bool // lines common to both (the LCS)
	vf, vb       []int
	off          int
	work         int
}

// compare marks the common lines of a[alo:ahi] and b[blo:bhi].
func (d *differ) compare(alo, ahi, blo, bhi int) {
	for alo < ahi && blo < bhi && d.a[alo] == d.b[blo] {
		d.keepA[alo], d.keepB[blo] = true, true
		alo++
		blo++
	}
	for alo < ahi && blo < bhi && d.a[ahi-1] == d.b[bhi-1] {
		ahi--
		bhi--
		d.keepA[ahi], d.keepB[bhi] = true, true
	}
	if alo == ahi || blo == bhi {
		return
	}
	x, y, u, v, ok := d.middleSnake(alo, ahi, blo, bhi)
	if !ok {
		return // over budget: report the whole region as changed
	}
	d.compare(alo, x, blo, y)
	for i := 0; i < u-x; i++ {
		d.keepA[x+i], d.keepB[y+i] = true, true
	}
	d.compare(u, ahi, v, bhi)
}

// middleSnake finds the middle snake of an optimal edit path (Myers 1986,
// section 4b) and returns it as absolute coordinates (x,y)-(u,v); ok is
// false when the work budget runs out first.
func (d *differ) middleSnake(alo, ahi, blo, bhi int) (x, y, u, v int, ok bool) {
	n, m := ahi-alo, bhi-blo
	delta := n - m
	odd := delta&1 != 0
	maxD := (n + m + 1) / 2
	vf, vb, off := d.vf, d.vb, d.off
	vf[off+1], vb[off+1] = 0, 0
	for D := 0; D <= maxD; D++ {
		if d.work += 2*D + 2; d.work > diffBudget {
			return 0, 0, 0, 0, false
		}
		// Forward paths: vf[k] is the furthest x on diagonal k = x - y.
		for k := -D; k <= D; k += 2 {
			var sx int
			if k == -D || (k != D && vf[off+k-1] < vf[off+k+1]) {
				sx = vf[off+k+1]
			} else {
				sx = vf[off+k-1] + 1
			}
			sy := sx - k
			ex, ey := sx, sy
			for ex < n && ey < m && d.a[alo+ex] == d.b[blo+ey] {
				ex++
				ey++
			}
			vf[off+k] = ex
			if odd {
				if kb := delta - k; kb >= -(D-1) && kb <= D-1 && ex+vb[off+kb] >= n {
					return alo + sx, blo + sy, alo + ex, blo + ey, true
				}
			}
		}
		// Backward paths, in reversed coordinates: vb[k] is the furthest
		// distance from the end along diagonal k = (n-x) - (m-y).
		for k := -D; k <= D; k += 2 {
			var sx int
			if k == -D || (k != D && vb[off+k-1] < vb[off+k+1]) {
				sx = vb[off+k+1]
			} else {
				sx = vb[off+k-1] + 1
			}
			sy := sx - k
			ex, ey := sx, sy
			for ex < n && ey < m && d.a[ahi-1-ex] == d.b[bhi-1-ey] {
				ex++
				ey++
			}
			vb[off+k] = ex
			if !odd {
				if kf := delta - k; kf >= -D && kf <= D && ex+vf[off+kf] >= n {
					return ahi - ex, bhi - ey, ahi - sx, bhi - sy, true
				}
			}
		}
	}
	panic("awsconfig: diff found no middle snake")
}

type diffOp struct {
	kind byte // ' ', '-', '+'
	line string
	ai   int // index in a (for ' ' and '-')
	bi   int // index in b (for ' ' and '+')
}

func unified(a, b []string, keepA, keepB []bool) string {
	var ops []diffOp
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && !keepA[i]:
			ops = append(ops, diffOp{'-', a[i], i, j})
			i++
		case j < len(b) && !keepB[j]:
			ops = append(ops, diffOp{'+', b[j], i, j})
			j++
		default:
			ops = append(ops, diffOp{' ', a[i], i, j})
			i++
			j++
		}
	}
	const ctx = 3
	var sb strings.Builder
	for s := 0; s < len(ops); {
		if ops[s].kind == ' ' {
			s++
			continue
		}
		// A hunk: from ctx lines before this change to ctx lines after the
		// last change that is at most 2*ctx equal lines from the previous.
		start := max(s-ctx, 0)
		for start < s && ops[start].kind != ' ' {
			start++
		}
		end := s
		for e := s; e < len(ops); e++ {
			if ops[e].kind != ' ' {
				end = e + 1
				continue
			}
			if e-end >= 2*ctx {
				break
			}
		}
		stop := min(end+ctx, len(ops))
		var na, nb int
		for _, op := range ops[start:stop] {
			if op.kind != '+' {
				na++
			}
			if op.kind != '-' {
				nb++
			}
		}
		as, bs := ops[start].ai+1, ops[start].bi+1
		if na == 0 {
			as--
		}
		if nb == 0 {
			bs--
		}
		fmt.Fprintf(&sb, "@@ -%s +%s @@\n", hunkRange(as, na), hunkRange(bs, nb))
		for _, op := range ops[start:stop] {
			sb.WriteByte(op.kind)
			line := op.line
			switch {
			case strings.HasSuffix(line, "\r\n"):
				sb.WriteString(line[:len(line)-2])
				sb.WriteByte('\n')
			case strings.HasSuffix(line, "\n"):
				sb.WriteString(line)
			default:
				sb.WriteString(line)
				sb.WriteString("\n\\ No newline at end of file\n")
			}
		}
		s = stop
	}
	return sb.String()
}

func hunkRange(start, n int) string {
	if n == 1 {
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, n)
}
