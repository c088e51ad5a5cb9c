package docs_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every Go snippet of README.md and docs/*.md is an excerpt of code that compiles: its
// lines, each trimmed, are consecutive lines of one .go file of the module (blank lines
// ignored), so that `go vet ./...` checks what the docs show. A line "// ..." in a
// snippet stands for lines left out; the parts around it come in order from the same file.
func TestGoSnippetsAreExcerptsOfCompiledCode(t *testing.T) {
	sources := map[string][]string{}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && path != ".." {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			sources[path] = codeLines(string(b))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	docs, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	docs = append(docs, "../README.md")
	snippets := 0
	for _, doc := range docs {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range goSnippets(string(b)) {
			snippets++
			if !excerptOfAny(s.lines, sources) {
				t.Errorf("%s:%d: this Go snippet is not an excerpt of any .go file of the module:\n%s",
					doc, s.line, strings.Join(s.lines, "\n"))
			}
		}
	}
	if snippets == 0 {
		t.Fatal("no Go snippets found: the test reads the wrong files")
	}
}

type snippet struct {
	line  int // of the opening fence
	lines []string
}

// goSnippets returns the ```go blocks of a Markdown text.
func goSnippets(md string) []snippet {
	var out []snippet
	var cur *snippet
	for i, l := range strings.Split(md, "\n") {
		trimmed := strings.TrimSpace(l)
		switch {
		case cur == nil && trimmed == "```go":
			cur = &snippet{line: i + 1}
		case cur != nil && trimmed == "```":
			cur.lines = codeLines(strings.Join(cur.lines, "\n"))
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.lines = append(cur.lines, l)
		}
	}
	return out
}

// codeLines returns the non-blank lines of text, trimmed.
func codeLines(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func excerptOfAny(snippet []string, sources map[string][]string) bool {
	for _, src := range sources {
		if excerptOf(snippet, src) {
			return true
		}
	}
	return false
}

// excerptOf reports whether the parts of snippet between "// ..." lines are runs of
// consecutive lines of src, in order.
func excerptOf(snippet, src []string) bool {
	var parts [][]string
	part := []string{}
	for _, l := range snippet {
		if l == "// ..." {
			parts = append(parts, part)
			part = []string{}
			continue
		}
		part = append(part, l)
	}
	parts = append(parts, part)
	from := 0
	for _, p := range parts {
		if len(p) == 0 {
			continue
		}
		at := find(p, src, from)
		if at < 0 {
			return false
		}
		from = at + len(p)
	}
	return true
}

// find returns the first index at or after from where the lines of p follow each other
// in src, or -1.
func find(p, src []string, from int) int {
	for i := from; i+len(p) <= len(src); i++ {
		match := true
		for j := range p {
			if src[i+j] != p[j] {
				match = false
				break
			}
		}
		if match {
			return i
		}
	}
	return -1
}
