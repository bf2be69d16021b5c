import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * DESIGN.md §4, held by the linter: each folder of src/ imports only the folders below it, from
 * util at the bottom to the screens at the top (app.tsx and cli.tsx above all), and the core
 * never knows about the terminal. `npm run lint` also checks the import graph for circles (madge).
 */
const LAYERS = [['util'], ['domain'], ['metrics', 'charts'], ['engines'], ['trainers'], ['pipeline'], ['ui'], ['commands'], ['components'], ['screens']];
const CORE = ['util', 'domain', 'metrics', 'charts', 'engines', 'trainers', 'pipeline'];
const TERMINAL = ['ink', 'ink/*', 'react', 'react/*'];

const layerRules = LAYERS.map((layer, rank) => ({
  files: layer.map((dir) => `src/${dir}/**`),
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          ...(CORE.includes(layer[0]) ? [{ group: TERMINAL, message: 'the core never knows about the terminal (DESIGN.md §4)' }] : []),
          {
            group: [...LAYERS.slice(rank + 1).flat().map((dir) => `**/${dir}/**`), '**/app.js', '**/cli.js'],
            message: `${layer.join(' and ')} may import only the layers below it (${LAYERS.slice(0, rank).flat().join(', ') || 'none'}): move what both need down a layer`,
          },
        ],
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'sessions/', 'coverage/', 'bench/results/', '.cache/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-control-regex': 'off',
    },
  },
  ...layerRules,
);
