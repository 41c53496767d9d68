package fastjson

import "testing"

func TestElements(t *testing.T) {
	for text, want := range map[string]int{
		`[]`: 0, `[1]`: 1, `[{"a":"],"},[1,2],"x"]`: 3, `[1,]`: -1, `[,1]`: -1, `[{]`: -1, `["a]`: -1, `{}`: -1,
	} {
		got, ok := Elements([]byte(text))
		if want < 0 {
			if ok {
				t.Errorf("Elements(%s) = %q, want refused", text, got)
			}
			continue
		}
		if !ok || len(got) != want {
			t.Errorf("Elements(%s) = %q, %v; want %d elements", text, got, ok, want)
		}
	}
}
