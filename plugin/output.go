package plugin

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/printers"
)

// OutputFlags are -o, --template and --no-headers: cli-runtime's PrintFlags for json, yaml,
// name, jsonpath and go-template, plus the human table (default) and its wide form.
type OutputFlags struct {
	Print     *genericclioptions.PrintFlags
	NoHeaders bool
	// formats lists the -o values the command accepts besides PrintFlags'.
	human []string
	// machine restricts PrintFlags' formats (nil: all of them).
	machine []string
}

// NewOutputFlags accepts the human formats (for example "" and "wide") and, when machine is
// non-nil, only those machine formats (for example json and yaml).
func NewOutputFlags(human []string, machine []string) *OutputFlags {
	return &OutputFlags{Print: genericclioptions.NewPrintFlags(""), human: human, machine: machine}
}

// AddFlags binds -o (and --template, --no-headers where they apply).
func (f *OutputFlags) AddFlags(cmd *cobra.Command) {
	if f.machine == nil {
		f.Print.JSONYamlPrintFlags.AddFlags(cmd)
		f.Print.TemplatePrinterFlags.AddFlags(cmd)
	}
	cmd.Flags().StringVarP(f.Print.OutputFormat, "output", "o", "", "Output format. One of: ("+strings.Join(f.allowed(), ", ")+").")
	f.Print.OutputFlagSpecified = func() bool { return cmd.Flag("output").Changed }
	if contains(f.human, "") {
		cmd.Flags().BoolVar(&f.NoHeaders, "no-headers", false, "When using the default or wide output format, don't print headers.")
	}
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return f.allowed(), cobra.ShellCompDirectiveNoFileComp
	})
}

func (f *OutputFlags) allowed() []string {
	var out []string
	for _, h := range f.human {
		if h != "" {
			out = append(out, h)
		}
	}
	if f.machine != nil {
		return append(out, f.machine...)
	}
	return append(out, f.Print.AllowedFormats()...)
}

// Format is the -o value ("" for the default table).
func (f *OutputFlags) Format() string { return *f.Print.OutputFormat }

// Human reports whether the output is a table or text for people.
func (f *OutputFlags) Human() bool {
	if f.Format() == "" && f.templateGiven() {
		// --template alone selects go-template, as in kubectl.
		return false
	}
	return contains(f.human, f.Format())
}

// Wide reports -o wide.
func (f *OutputFlags) Wide() bool { return f.Format() == "wide" }

func (f *OutputFlags) templateGiven() bool {
	t := f.Print.TemplatePrinterFlags
	return t != nil && t.TemplateArgument != nil && *t.TemplateArgument != ""
}

// Validate rejects an unknown -o value, naming the accepted ones.
func (f *OutputFlags) Validate() error {
	if f.Human() {
		return nil
	}
	format := strings.SplitN(f.Format(), "=", 2)[0]
	if f.machine != nil && !contains(f.machine, format) {
		return fmt.Errorf("unknown output format %q: use one of %s", f.Format(), strings.Join(f.allowed(), ", "))
	}
	if _, err := f.Print.ToPrinter(); err != nil {
		if genericclioptions.IsNoCompatiblePrinterError(err) {
			return fmt.Errorf("unknown output format %q: use one of %s", f.Format(), strings.Join(f.allowed(), ", "))
		}
		return fmt.Errorf("invalid output format %q: %w", f.Format(), err)
	}
	return nil
}

// PrintTable prints a table as kubectl does, honouring -o wide and --no-headers.
func (f *OutputFlags) PrintTable(t *metav1.Table, w io.Writer) error {
	p := printers.NewTablePrinter(printers.PrintOptions{Wide: f.Wide(), NoHeaders: f.NoHeaders})
	if err := p.PrintObj(t, w); err != nil {
		return fmt.Errorf("printing the table: %w", err)
	}
	return nil
}

// PrintObj prints an object with the -o printer (json, yaml, name, jsonpath, go-template).
func (f *OutputFlags) PrintObj(obj runtime.Object, w io.Writer) error {
	p, err := f.Print.ToPrinter()
	if err != nil {
		return fmt.Errorf("choosing the printer for -o %s: %w", f.Format(), err)
	}
	if err := p.PrintObj(obj, w); err != nil {
		return fmt.Errorf("printing -o %s: %w", f.Format(), err)
	}
	return nil
}

// asKubectlList makes a list print as `kubectl get -o json` prints one: kind List, apiVersion v1.
func asKubectlList(items []unstructured.Unstructured) *unstructured.UnstructuredList {
	l := &unstructured.UnstructuredList{Object: map[string]interface{}{}, Items: items}
	l.SetAPIVersion("v1")
	l.SetKind("List")
	l.SetResourceVersion("")
	return l
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
