import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProduct, type SignedIn, type Stack, signUp, signUpAdmin, startStack } from "../harness.ts";

let stack: Stack;
let admin: SignedIn;
let author: SignedIn;
let reader: SignedIn;
let productIds: string[];
beforeAll(async () => {
  stack = await startStack();
  [admin, author, reader] = await Promise.all([
    signUpAdmin(stack),
    signUp(stack, "Ann Author"),
    signUp(stack, "Rick Reader"),
  ]);
  productIds = (await Promise.all([1, 2, 3].map(() => createProduct(stack, admin)))).map((product) => product.id);
});
afterAll(() => stack?.close());

const CREATE = `mutation Create($input: CreatePostInput!) { createPost(input: $input) { id title published author { id name } products { id } } }`;
const UPDATE = `mutation Update($id: ID!, $input: UpdatePostInput!) { updatePost(id: $id, input: $input) { id title published products { id } } }`;
const DELETE = `mutation Delete($id: ID!) { deletePost(id: $id) { id } }`;
const POST = `query Post($id: ID!) { post(id: $id) { id title } }`;

type Created = {
  createPost: {
    id: string;
    title: string;
    published: boolean;
    author: { id: string; name: string };
    products: Array<{ id: string }>;
  };
};
async function createPost(by: SignedIn, input: Record<string, unknown> = {}) {
  const result = await stack.gql<Created>(
    CREATE,
    { input: { title: "Hello", body: "World", ...input } },
    { token: by.token },
  );
  if (!result.data) throw new Error(JSON.stringify(result.errors));
  return result.data.createPost;
}

describe("writing posts", () => {
  it("lets a signed-in user write a post about products, and refuses anonymous writers", async () => {
    const post = await createPost(author, { title: "Great lamp", productIds: productIds.slice(0, 2), published: true });
    expect(post).toMatchObject({
      title: "Great lamp",
      published: true,
      author: { id: author.id, name: "Ann Author" },
      products: [{ id: productIds[0] }, { id: productIds[1] }],
    });
    const anonymous = await stack.gql(CREATE, { input: { title: "x", body: "y" } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
  });

  it.each([
    ["an empty title", { title: "  " }, "input.title"],
    ["an over-long title", { title: "t".repeat(201) }, "input.title"],
    ["an over-long body", { body: "b".repeat(20_001) }, "input.body"],
    ["an unknown product id", { productIds: ["00000000-0000-4000-8000-00000000dead"] }, "input.productIds"],
    ["a product id that is not an id", { productIds: ["lamp"] }, "input.productIds.0"],
  ])("refuses %s with BAD_USER_INPUT and saves nothing", async (_label, input, field) => {
    const before = await stack.posts.db.post.count();
    const result = await stack.gql(
      CREATE,
      { input: { title: "Valid", body: "Valid", ...input } },
      { token: author.token },
    );
    expect(result.status).toBe(400);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
    expect(await stack.posts.db.post.count()).toBe(before);
  });

  it("lets the author and admins edit and delete, and forbids everyone else", async () => {
    const post = await createPost(author, { productIds: [productIds[0]] });
    const byReader = await stack.gql(UPDATE, { id: post.id, input: { title: "Hijacked" } }, { token: reader.token });
    expect(byReader.status).toBe(403);
    expect(byReader.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const byAuthor = await stack.gql(
      UPDATE,
      { id: post.id, input: { title: "Edited", productIds: [productIds[2]] } },
      { token: author.token },
    );
    expect(byAuthor.data).toEqual({
      updatePost: { id: post.id, title: "Edited", published: false, products: [{ id: productIds[2] }] },
    });
    const byAdmin = await stack.gql(UPDATE, { id: post.id, input: { published: true } }, { token: admin.token });
    expect(byAdmin.data).toMatchObject({ updatePost: { published: true } });

    const badUpdate = await stack.gql(
      UPDATE,
      { id: post.id, input: { title: "", productIds: [productIds[0]] } },
      { token: author.token },
    );
    expect(badUpdate.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect((await stack.gql(POST, { id: post.id })).data).toEqual({ post: { id: post.id, title: "Edited" } });

    const deleteByReader = await stack.gql(DELETE, { id: post.id }, { token: reader.token });
    expect(deleteByReader.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    const deleteByAuthor = await stack.gql(DELETE, { id: post.id }, { token: author.token });
    expect(deleteByAuthor.data).toEqual({ deletePost: { id: post.id } });
    expect((await stack.gql(POST, { id: post.id })).data).toEqual({ post: null });
  });

  it("answers NOT_FOUND for editing or deleting a post that does not exist", async () => {
    for (const id of ["00000000-0000-4000-8000-00000000beef", "nope"]) {
      expect(
        (await stack.gql(UPDATE, { id, input: { title: "x" } }, { token: admin.token })).errors?.[0]?.extensions?.code,
      ).toBe("NOT_FOUND");
      expect((await stack.gql(DELETE, { id }, { token: admin.token })).errors?.[0]?.extensions?.code).toBe("NOT_FOUND");
    }
  });
});

describe("drafts", () => {
  it("are visible to their author and admins only, everywhere a post can be read", async () => {
    const writer = await signUp(stack);
    const draft = await createPost(writer, { title: "Secret draft", productIds: [productIds[0]] });
    const published = await createPost(writer, { title: "Public post", published: true, productIds: [productIds[0]] });

    for (const [who, token, sees] of [
      ["author", writer.token, true],
      ["admin", admin.token, true],
      ["another user", reader.token, false],
      ["anonymous", undefined, false],
    ] as const) {
      const single = await stack.gql<{ post: { id: string } | null }>(POST, { id: draft.id }, { token });
      expect(single.data?.post?.id ?? null, `${who}: post(id)`).toBe(sees ? draft.id : null);

      const byUser = await stack.gql<{ user: { posts: Array<{ id: string }> } }>(
        `query($id: ID!) { user(id: $id) { posts { id } } }`,
        { id: writer.id },
        { token },
      );
      expect(
        byUser.data?.user.posts.map((post) => post.id),
        `${who}: User.posts`,
      ).toEqual(sees ? [published.id, draft.id] : [published.id]);

      const list = await stack.gql<{ posts: { totalCount: number; edges: Array<{ node: { id: string } }> } }>(
        `query($authorId: ID) { posts(authorId: $authorId) { totalCount edges { node { id } } } }`,
        { authorId: writer.id },
        { token },
      );
      // Admins and the author themselves (asking for their own posts) see drafts.
      expect(
        list.data?.posts.edges.map((edge) => edge.node.id),
        `${who}: posts(authorId)`,
      ).toEqual(sees ? [published.id, draft.id] : [published.id]);
    }

    const aboutProduct = await stack.gql<{ product: { posts: Array<{ id: string }> } }>(
      `query($id: ID!) { product(id: $id) { posts { id } } }`,
      { id: productIds[0] },
      { token: writer.token },
    );
    const ids = aboutProduct.data?.product.posts.map((post) => post.id) ?? [];
    expect(ids).toContain(published.id);
    expect(ids).not.toContain(draft.id);
  });
});

describe("post pagination", () => {
  it("walks published posts newest first with Relay cursors", async () => {
    const writer = await signUp(stack);
    const created: string[] = [];
    for (let index = 0; index < 5; index++)
      created.push((await createPost(writer, { title: `P${index}`, published: true })).id);
    await createPost(writer, { title: "draft" });
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      type Page = {
        posts: {
          totalCount: number;
          edges: Array<{ node: { id: string } }>;
          pageInfo: { hasNextPage: boolean; endCursor: string };
        };
      };
      const page: Awaited<ReturnType<typeof stack.gql<Page>>> = await stack.gql<Page>(
        `query($after: String, $authorId: ID) { posts(first: 2, after: $after, authorId: $authorId) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }`,
        { after, authorId: writer.id },
      );
      expect(page.data?.posts.totalCount).toBe(5);
      seen.push(...(page.data?.posts.edges.map((edge) => edge.node.id) ?? []));
      if (!page.data?.posts.pageInfo.hasNextPage) break;
      after = page.data.posts.pageInfo.endCursor;
    }
    expect(seen).toEqual([...created].reverse());
  });

  it("walks one product's published posts with posts(productId:), on past a post deleted or unpublished since", async () => {
    const product = await createProduct(stack, admin);
    const elsewhere = await createProduct(stack, admin);
    const about: string[] = [];
    for (let index = 0; index < 6; index++)
      about.push((await createPost(author, { title: `A${index}`, published: true, productIds: [product.id] })).id);
    await createPost(author, { title: "draft", productIds: [product.id] });
    await createPost(author, { title: "other", published: true, productIds: [elsewhere.id] });
    type Page = {
      posts: {
        totalCount: number;
        edges: Array<{ node: { id: string } }>;
        pageInfo: { hasNextPage: boolean; endCursor: string };
      };
    };
    const page = async (after: string | null) => {
      const result = await stack.gql<Page>(
        `query($after: String, $productId: ID) { posts(first: 2, after: $after, productId: $productId) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } }`,
        { after, productId: product.id },
        { token: reader.token },
      );
      expect(result.errors).toBeUndefined();
      return result.data?.posts as Page["posts"];
    };
    const newestFirst = [...about].reverse();
    const first = await page(null);
    expect(first.totalCount).toBe(6);
    expect(first.edges.map((edge) => edge.node.id)).toEqual(newestFirst.slice(0, 2));
    // The page's last post is deleted, and the next one's is unpublished: each next page still goes on.
    await stack.gql(DELETE, { id: newestFirst[1] }, { token: author.token });
    const second = await page(first.pageInfo.endCursor);
    expect(second.edges.map((edge) => edge.node.id)).toEqual(newestFirst.slice(2, 4));
    await stack.gql(UPDATE, { id: newestFirst[3], input: { published: false } }, { token: author.token });
    const third = await page(second.pageInfo.endCursor);
    expect(third.edges.map((edge) => edge.node.id)).toEqual(newestFirst.slice(4, 6));
    expect(third.pageInfo.hasNextPage).toBe(false);

    for (const id of ["lamp", ""]) {
      const none = await stack.gql<Page>(
        `query($id: ID) { posts(productId: $id) { totalCount edges { node { id } } } }`,
        {
          id,
        },
      );
      expect(none.data?.posts).toEqual({ totalCount: 0, edges: [] });
    }
    const upper = await stack.gql<Page>(`query($id: ID) { posts(first: 1, productId: $id) { totalCount } }`, {
      id: product.id.toUpperCase(),
    });
    expect(upper.data?.posts.totalCount).toBe(4);
  });
});
