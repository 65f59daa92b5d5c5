package script

import (
	"errors"
	"strconv"
	"strings"
)

// word is one word of a script line.
type word struct {
	text string // the word with its quotes removed and escapes applied
	// name is set for an option (name=value, the name unquoted): text is
	// then the value.
	name string
}

// isOptionName reports whether s can name an option: lower-case letters.
func isOptionName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

// splitWords splits a line into words (see the package documentation):
// spaces and tabs separate them, single quotes keep everything literal,
// double quotes take Go's string escapes, and '#' where a word could start
// begins a comment.
func splitWords(line string) ([]word, error) {
	var words []word
	i := 0
	for {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		if i == len(line) || line[i] == '#' {
			return words, nil
		}
		var b strings.Builder
		var w word
		bare := true // nothing quoted yet in this word
		for i < len(line) && line[i] != ' ' && line[i] != '\t' {
			switch c := line[i]; c {
			case '\'':
				end := strings.IndexByte(line[i+1:], '\'')
				if end < 0 {
					return nil, errors.New("a single quote is not closed")
				}
				b.WriteString(line[i+1 : i+1+end])
				i += end + 2
				bare = false
			case '"':
				j := i + 1
				for j < len(line) && line[j] != '"' {
					if line[j] == '\\' {
						j++
					}
					j++
				}
				if j >= len(line) {
					return nil, errors.New("a double quote is not closed")
				}
				s, err := strconv.Unquote(line[i : j+1])
				if err != nil {
					return nil, errors.New("bad escape between double quotes in " + line[i:j+1] + " (\\n, \\t, \\\\, \\\", \\xHH, \\uHHHH are Go's escapes)")
				}
				b.WriteString(s)
				i = j + 1
				bare = false
			case '=':
				if bare && w.name == "" && isOptionName(b.String()) {
					w.name = b.String()
					b.Reset()
				} else {
					b.WriteByte(c)
				}
				i++
			default:
				b.WriteByte(c)
				i++
			}
		}
		w.text = b.String()
		words = append(words, w)
	}
}
