import { useId, useState, type FormEvent } from "react";
import { useMutation } from "urql";
import { describeError, errorCode } from "../errors";
import { graphql } from "../gql";
import { useDocumentTitle } from "../useDocumentTitle";

const SignInMutation = graphql(`
  mutation SignIn($email: String!, $password: String!) {
    signIn(email: $email, password: $password) {
      token
      teammate {
        id
        name
        email
        role
      }
    }
  }
`);

export function SignInPage({ onSignedIn }: { onSignedIn: (token: string) => void }) {
  useDocumentTitle("Sign in");
  const id = useId();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [message, setMessage] = useState<string | null>(null);
  const [{ fetching }, signIn] = useMutation(SignInMutation);

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (fetching) return;
    setMessage(null);
    const result = await signIn({ email: email.trim(), password });
    if (result.data) {
      onSignedIn(result.data.signIn.token);
    } else if (result.error) {
      setMessage(
        errorCode(result.error) === "UNAUTHENTICATED"
          ? "Wrong email or password. Check both and try again."
          : describeError(result.error),
      );
    }
  }

  const errorId = `${id}-error`;
  return (
    <main id="main" className="sign-in">
      <form className="card sign-in__form" onSubmit={handleSubmit} aria-labelledby={`${id}-heading`}>
        <p className="sign-in__product">Hydra CSAT</p>
        <h1 id={`${id}-heading`} tabIndex={-1}>
          Sign in
        </h1>
        <div role="alert" id={errorId} className={message ? "alert" : undefined}>
          {message}
        </div>
        <div className="field">
          <label htmlFor={`${id}-email`}>Email</label>
          <input
            id={`${id}-email`}
            type="email"
            name="email"
            autoComplete="username"
            required
            autoFocus
            value={email}
            onChange={(event) => setEmail(event.target.value)}
            aria-invalid={message ? true : undefined}
            aria-describedby={message ? errorId : undefined}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-password`}>Password</label>
          <input
            id={`${id}-password`}
            type="password"
            name="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            aria-invalid={message ? true : undefined}
            aria-describedby={message ? errorId : undefined}
          />
        </div>
        <button type="submit" className="button" aria-busy={fetching}>
          {fetching ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
