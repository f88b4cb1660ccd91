// Module boundaries are enforced here, not by good intentions (see README "Architecture").
// Tags: scope:shared libs may be used by both sides; scope:worker and scope:coordinator never import
// each other; type:pure libs (no sockets, no msgpackr, no tfjs) may depend on type:pure libs only;
// apps depend on libs, libs never on apps.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '**/.nx/**', '**/coverage/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mts', '**/*.js', '**/*.mjs'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', 'type:pure'] },
            { sourceTag: 'type:test', onlyDependOnLibsWithTags: ['type:lib', 'type:pure', 'type:app'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib', 'type:pure'] },
            { sourceTag: 'type:pure', onlyDependOnLibsWithTags: ['type:pure'], bannedExternalImports: ['ws', 'msgpackr', '@tensorflow/*', 'net', 'node:net', 'http', 'node:http'] },
            { sourceTag: 'scope:worker', notDependOnLibsWithTags: ['scope:coordinator'] },
            { sourceTag: 'scope:coordinator', notDependOnLibsWithTags: ['scope:worker'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.name='eval']", message: 'Never evaluate data.' },
        { selector: "NewExpression[callee.name='Function']", message: 'Never evaluate data.' },
      ],
    },
  },
);
