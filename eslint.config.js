import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'sessions/', 'coverage/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-control-regex': 'off',
    },
  },
  {
    // DESIGN.md §4: the core never knows about the terminal.
    files: ['src/pipeline/**', 'src/engines/**', 'src/trainers/**', 'src/metrics/**', 'src/charts/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['ink', 'ink/*', 'react', 'react/*', '**/screens/**', '**/components/**'] }],
    },
  },
);
