//! Which post-ES5 syntax a program uses. A minifier's output may use syntax its input used (the
//! browsers already run the input), and syntax the targets support; anything else makes the
//! output invalid. This guards the targets promise whatever a minifier does: oxc, for one,
//! prints string literals as template literals whatever its targets.

use oxc::ast::ast::*;
use oxc::ast_visit::{Visit, walk};
use oxc::syntax::operator::{AssignmentOperator, BinaryOperator, LogicalOperator};
use oxc::syntax::scope::ScopeFlags;
use oxc_compat::{ESFeature, EngineTargets};

/// The features checked, by bit.
const FEATURES: [ESFeature; 21] = [
    ESFeature::ES2015TemplateLiterals,
    ESFeature::ES2015ArrowFunctions,
    ESFeature::ES2015BlockScoping,
    ESFeature::ES2015Classes,
    ESFeature::ES2015ShorthandProperties,
    ESFeature::ES2015Spread,
    ESFeature::ES2015Destructuring,
    ESFeature::ES2015ForOf,
    ESFeature::ES2016ExponentiationOperator,
    ESFeature::ES2017AsyncToGenerator,
    ESFeature::ES2018AsyncGeneratorFunctions,
    ESFeature::ES2018ObjectRestSpread,
    ESFeature::ES2019OptionalCatchBinding,
    ESFeature::ES2020NullishCoalescingOperator,
    ESFeature::ES2020OptionalChaining,
    ESFeature::ES2020BigInt,
    ESFeature::ES2021LogicalAssignmentOperators,
    ESFeature::ES2021NumericSeparator,
    ESFeature::ES2022ClassProperties,
    ESFeature::ES2022ClassStaticBlock,
    ESFeature::ES2022PrivateMethods,
];

/// A set of [`FEATURES`].
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Features(u32);

impl Features {
    pub(crate) fn of(program: &Program<'_>) -> Features {
        let mut v = Collector(Features::default());
        v.visit_program(program);
        v.0
    }

    fn add(&mut self, f: ESFeature) {
        if let Some(i) = FEATURES.iter().position(|x| *x == f) {
            self.0 |= 1 << i;
        }
    }

    /// The first feature `self` has and `input` has not that `targets` lack.
    pub(crate) fn first_unsupported(
        self,
        input: Features,
        targets: &EngineTargets,
    ) -> Option<ESFeature> {
        let new = self.0 & !input.0;
        FEATURES
            .iter()
            .enumerate()
            .find(|(i, f)| new & (1 << i) != 0 && targets.has_feature(**f))
            .map(|(_, f)| *f)
    }
}

struct Collector(Features);

impl<'a> Visit<'a> for Collector {
    fn visit_template_literal(&mut self, it: &TemplateLiteral<'a>) {
        self.0.add(ESFeature::ES2015TemplateLiterals);
        walk::walk_template_literal(self, it);
    }

    fn visit_arrow_function_expression(&mut self, it: &ArrowFunctionExpression<'a>) {
        self.0.add(ESFeature::ES2015ArrowFunctions);
        if it.r#async {
            self.0.add(ESFeature::ES2017AsyncToGenerator);
        }
        walk::walk_arrow_function_expression(self, it);
    }

    fn visit_variable_declaration(&mut self, it: &VariableDeclaration<'a>) {
        if it.kind != VariableDeclarationKind::Var {
            self.0.add(ESFeature::ES2015BlockScoping);
        }
        walk::walk_variable_declaration(self, it);
    }

    fn visit_class(&mut self, it: &Class<'a>) {
        self.0.add(ESFeature::ES2015Classes);
        walk::walk_class(self, it);
    }

    fn visit_object_expression(&mut self, it: &ObjectExpression<'a>) {
        for p in &it.properties {
            match p {
                ObjectPropertyKind::SpreadProperty(_) => {
                    self.0.add(ESFeature::ES2018ObjectRestSpread);
                }
                ObjectPropertyKind::ObjectProperty(p) if p.shorthand || p.method => {
                    self.0.add(ESFeature::ES2015ShorthandProperties);
                }
                ObjectPropertyKind::ObjectProperty(_) => {}
            }
        }
        walk::walk_object_expression(self, it);
    }

    fn visit_spread_element(&mut self, it: &SpreadElement<'a>) {
        self.0.add(ESFeature::ES2015Spread);
        walk::walk_spread_element(self, it);
    }

    fn visit_object_pattern(&mut self, it: &ObjectPattern<'a>) {
        self.0.add(ESFeature::ES2015Destructuring);
        if it.rest.is_some() {
            self.0.add(ESFeature::ES2018ObjectRestSpread);
        }
        walk::walk_object_pattern(self, it);
    }

    fn visit_array_pattern(&mut self, it: &ArrayPattern<'a>) {
        self.0.add(ESFeature::ES2015Destructuring);
        walk::walk_array_pattern(self, it);
    }

    fn visit_for_of_statement(&mut self, it: &ForOfStatement<'a>) {
        self.0.add(ESFeature::ES2015ForOf);
        walk::walk_for_of_statement(self, it);
    }

    fn visit_binary_expression(&mut self, it: &BinaryExpression<'a>) {
        if it.operator == BinaryOperator::Exponential {
            self.0.add(ESFeature::ES2016ExponentiationOperator);
        }
        walk::walk_binary_expression(self, it);
    }

    fn visit_assignment_expression(&mut self, it: &AssignmentExpression<'a>) {
        match it.operator {
            AssignmentOperator::Exponential => self.0.add(ESFeature::ES2016ExponentiationOperator),
            AssignmentOperator::LogicalAnd
            | AssignmentOperator::LogicalOr
            | AssignmentOperator::LogicalNullish => {
                self.0.add(ESFeature::ES2021LogicalAssignmentOperators);
            }
            _ => {}
        }
        walk::walk_assignment_expression(self, it);
    }

    fn visit_function(&mut self, it: &Function<'a>, flags: ScopeFlags) {
        if it.r#async {
            self.0.add(if it.generator {
                ESFeature::ES2018AsyncGeneratorFunctions
            } else {
                ESFeature::ES2017AsyncToGenerator
            });
        }
        walk::walk_function(self, it, flags);
    }

    fn visit_catch_clause(&mut self, it: &CatchClause<'a>) {
        if it.param.is_none() {
            self.0.add(ESFeature::ES2019OptionalCatchBinding);
        }
        walk::walk_catch_clause(self, it);
    }

    fn visit_logical_expression(&mut self, it: &LogicalExpression<'a>) {
        if it.operator == LogicalOperator::Coalesce {
            self.0.add(ESFeature::ES2020NullishCoalescingOperator);
        }
        walk::walk_logical_expression(self, it);
    }

    fn visit_chain_expression(&mut self, it: &ChainExpression<'a>) {
        self.0.add(ESFeature::ES2020OptionalChaining);
        walk::walk_chain_expression(self, it);
    }

    fn visit_big_int_literal(&mut self, it: &BigIntLiteral<'a>) {
        self.0.add(ESFeature::ES2020BigInt);
        walk::walk_big_int_literal(self, it);
    }

    fn visit_numeric_literal(&mut self, it: &NumericLiteral<'a>) {
        if it.raw.is_some_and(|r| r.contains('_')) {
            self.0.add(ESFeature::ES2021NumericSeparator);
        }
        walk::walk_numeric_literal(self, it);
    }

    fn visit_property_definition(&mut self, it: &PropertyDefinition<'a>) {
        self.0.add(ESFeature::ES2022ClassProperties);
        walk::walk_property_definition(self, it);
    }

    fn visit_static_block(&mut self, it: &StaticBlock<'a>) {
        self.0.add(ESFeature::ES2022ClassStaticBlock);
        walk::walk_static_block(self, it);
    }

    fn visit_private_identifier(&mut self, it: &PrivateIdentifier<'a>) {
        self.0.add(ESFeature::ES2022PrivateMethods);
        walk::walk_private_identifier(self, it);
    }
}
