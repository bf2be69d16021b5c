import { Box, Text } from 'ink';

/** A chart string from src/charts, one <Text> per line (each already fits the width it was drawn for). */
export function ChartText({ chart, color }: { chart: string; color?: string }) {
  return (
    <Box flexDirection="column">
      {chart.split('\n').map((line, i) => (
        <Text key={i} color={color} wrap="truncate-end">
          {line === '' ? ' ' : line}
        </Text>
      ))}
    </Box>
  );
}
