// OpenAPI import in the composer: a Swagger 2.0 document pasted as text, and an OpenAPI 3 file given by its
// path whose schemas live in other files; both become collections; an invalid document shows its code.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect } from './fixtures';

const FIX = join(process.cwd(), 'tests', 'integration', 'http-client', 'openapi-fixtures');

test('OpenAPI import: pasted Swagger 2, a file with external $refs, an invalid document coded', async ({
  app,
}) => {
  await app.getByTestId('nav-http-composer').click();
  await app.getByTestId('http-side-collections').click();
  const panel = app.getByTestId('http-collections');
  await panel.getByText('Import OpenAPI, Swagger 2 or Postman v2.1').click();

  await app.getByTestId('http-import-text').fill(readFileSync(join(FIX, 'swagger2.json'), 'utf8'));
  await app.getByTestId('http-import').click();
  await expect(panel).toContainText('Legacy shop');
  await expect(panel).toContainText('2 requests');

  await app.getByTestId('http-import-file').fill(join(FIX, 'petstore', 'openapi.yaml'));
  await app.getByTestId('http-import').click();
  await expect(panel).toContainText('Petstore');
  await expect(panel).toContainText('6 requests');
  // What could not be imported is listed.
  await expect(panel).toContainText('cookie parameter "session" not imported');
  await app.getByRole('button', { name: /POST pets\/add-a-pet/ }).click();
  await expect(app.getByTestId('http-url')).toHaveValue('{{baseUrl}}/pets');

  await app.getByTestId('http-import-file').fill(join(FIX, 'invalid.yaml'));
  await app.getByTestId('http-import').click();
  await expect(app.getByTestId('http-import-error')).toHaveAttribute('data-code', 'OPENAPI_INVALID');
});
