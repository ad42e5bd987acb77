package tui

import (
	"fmt"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/apis/scheme"
)

// textScreen shows a scrollable text: an object's YAML, or a pod's full explanation.
type textScreen struct {
	title   string
	content string
	vp      viewport.Model
	keys    viewportKeys
}

type viewportKeys struct{ Up, Down, PageUp, PageDown key.Binding }

func newViewportKeys() viewportKeys {
	return viewportKeys{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "scroll up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "scroll down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+f", " "), key.WithHelp("pgdn", "page down")),
	}
}

func (k viewportKeys) list() []key.Binding { return []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown} }

func newTextScreen(title, content string) *textScreen {
	s := &textScreen{title: title, content: content, vp: viewport.New(0, 0), keys: newViewportKeys()}
	s.vp.SetContent(content)
	return s
}

// newYAMLScreen shows the object as the server sent it when raw is set (upstream fields
// included), else the typed object.
func newYAMLScreen(_ *env, title string, raw *unstructured.Unstructured, typed runtime.Object) *textScreen {
	return newTextScreen(title+" (yaml)", toYAML(raw, typed))
}

func toYAML(raw *unstructured.Unstructured, typed runtime.Object) string {
	var v interface{}
	switch {
	case raw != nil:
		v = raw.Object
	case typed != nil:
		obj := typed.DeepCopyObject()
		// Informers deliver objects without apiVersion and kind; put them back as kubectl shows.
		if gvks, _, err := scheme.New().ObjectKinds(obj); err == nil && len(gvks) > 0 {
			obj.GetObjectKind().SetGroupVersionKind(gvks[0])
		}
		v = obj
	default:
		return "(no object)"
	}
	data, err := yaml.Marshal(v)
	if err != nil {
		return fmt.Sprintf("encoding the object as YAML: %v", err)
	}
	return string(data)
}

func (s *textScreen) Init() tea.Cmd { return nil }
func (s *textScreen) Title() string { return s.title }
func (s *textScreen) Keys() help.KeyMap {
	return screenKeys{own: s.keys.list()}
}

func (s *textScreen) SetSize(w, h int) {
	s.vp.Width, s.vp.Height = w, h
	s.vp.SetContent(wrap(s.content, w))
}

// wrap fits long lines (an explanation, a long message in YAML) to the width rather than
// letting the frame cut them.
func wrap(s string, width int) string {
	if width <= 0 {
		return s
	}
	return ansi.Wrap(s, width, "")
}

func (s *textScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok {
		var c tea.Cmd
		s.vp, c = s.vp.Update(k)
		return s, c
	}
	return s, nil
}

func (s *textScreen) View() string { return s.vp.View() }
