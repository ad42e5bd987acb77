// Package crdvalidate validates custom resources client-side by the rules of their
// CustomResourceDefinition: the same OpenAPI schema, defaulting, list-type and CEL
// (x-kubernetes-validations) checks the API server runs on create, using the API server's own
// validation packages. An object it accepts is accepted by the API server, and an object it
// rejects is rejected with the same field paths and messages.
package crdvalidate

import (
	"context"
	"fmt"

	apiextensionsinternal "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	structuraldefaulting "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting"
	structurallisttype "k8s.io/apiextensions-apiserver/pkg/apiserver/schema/listtype"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"sigs.k8s.io/yaml"
)

// Validator checks objects of one version of one CRD.
type Validator struct {
	gvk             schema.GroupVersionKind
	namespaced      bool
	structural      *structuralschema.Structural
	schemaValidator apiservervalidation.SchemaValidator
	cel             *cel.Validator
}

// New builds a Validator from a CRD manifest (YAML or JSON) for the named version.
func New(crdManifest []byte, version string) (*Validator, error) {
	var crd apiextensionsv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(crdManifest, &crd); err != nil {
		return nil, fmt.Errorf("decoding the CustomResourceDefinition: %w", err)
	}
	var v1Schema *apiextensionsv1.JSONSchemaProps
	for _, v := range crd.Spec.Versions {
		if v.Name == version && v.Schema != nil {
			v1Schema = v.Schema.OpenAPIV3Schema
		}
	}
	if v1Schema == nil {
		return nil, fmt.Errorf("CustomResourceDefinition %s has no schema for version %s", crd.Name, version)
	}
	internal := &apiextensionsinternal.JSONSchemaProps{}
	if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(v1Schema, internal, nil); err != nil {
		return nil, fmt.Errorf("converting the schema of %s: %w", crd.Name, err)
	}
	structural, err := structuralschema.NewStructural(internal)
	if err != nil {
		return nil, fmt.Errorf("the schema of %s is not structural: %w", crd.Name, err)
	}
	schemaValidator, _, err := apiservervalidation.NewSchemaValidator(internal)
	if err != nil {
		return nil, fmt.Errorf("building the schema validator of %s: %w", crd.Name, err)
	}
	return &Validator{
		gvk:             schema.GroupVersionKind{Group: crd.Spec.Group, Version: version, Kind: crd.Spec.Names.Kind},
		namespaced:      crd.Spec.Scope == apiextensionsv1.NamespaceScoped,
		structural:      structural,
		schemaValidator: schemaValidator,
		cel:             cel.NewValidator(structural, true, celconfig.PerCallLimit),
	}, nil
}

// GroupVersionKind is the kind the Validator checks.
func (v *Validator) GroupVersionKind() schema.GroupVersionKind { return v.gvk }

// Default applies the schema's defaults to obj in place, as the API server does on decode.
func (v *Validator) Default(obj map[string]interface{}) {
	structuraldefaulting.Default(obj, v.structural)
}

// Validate checks obj as the API server would on create: it defaults a copy of obj first, then
// runs the metadata, OpenAPI schema, list-type and CEL checks. obj is not modified.
func (v *Validator) Validate(ctx context.Context, obj map[string]interface{}) field.ErrorList {
	u := runtime.DeepCopyJSON(obj)
	v.Default(u)
	var errs field.ErrorList
	if got := fmt.Sprint(u["apiVersion"]); got != v.gvk.GroupVersion().String() {
		errs = append(errs, field.Invalid(field.NewPath("apiVersion"), got, "must be "+v.gvk.GroupVersion().String()))
	}
	if got := fmt.Sprint(u["kind"]); got != v.gvk.Kind {
		errs = append(errs, field.Invalid(field.NewPath("kind"), got, "must be "+v.gvk.Kind))
	}
	errs = append(errs, v.validateMetadata(u)...)
	errs = append(errs, apiservervalidation.ValidateCustomResource(nil, u, v.schemaValidator)...)
	errs = append(errs, structurallisttype.ValidateListSetsAndMaps(nil, v.structural, u)...)
	if blocking := blockingError(errs); blocking != nil {
		// As the API server: CEL rules may assume what the schema failed to guarantee.
		return append(errs, blocking)
	}
	celErrs, _ := v.cel.Validate(ctx, nil, v.structural, u, nil, celconfig.RuntimeCELCostBudget)
	return append(errs, celErrs...)
}

// blockingError is the API server's note when schema errors keep it from evaluating CEL rules.
func blockingError(errs field.ErrorList) *field.Error {
	for _, err := range errs {
		switch err.Type {
		case field.ErrorTypeNotSupported, field.ErrorTypeRequired, field.ErrorTypeTooLong, field.ErrorTypeTooMany, field.ErrorTypeTypeInvalid:
			return field.Invalid(nil, nil, "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation")
		}
	}
	return nil
}

func (v *Validator) validateMetadata(u map[string]interface{}) field.ErrorList {
	path := field.NewPath("metadata")
	raw, ok := u["metadata"].(map[string]interface{})
	if !ok {
		return field.ErrorList{field.Required(path, "metadata is required")}
	}
	var meta metav1.ObjectMeta
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(raw, &meta); err != nil {
		return field.ErrorList{field.Invalid(path, raw, err.Error())}
	}
	return apimachineryvalidation.ValidateObjectMeta(&meta, v.namespaced, apimachineryvalidation.NameIsDNSSubdomain, path)
}
