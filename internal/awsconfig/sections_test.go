package awsconfig

// Sections returns every section in file order. Only the tests need the
// whole file at once, to compare it with botocore's reading.
func (f *File) Sections() []Section {
	var out []Section
	for _, b := range f.blocks[1:] {
		if !b.dead {
			out = append(out, f.section(b))
		}
	}
	return out
}
