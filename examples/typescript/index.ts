// The dev stack's replication (../../Pulumi.dev.yaml), declared from TypeScript through the component package.
import * as aws from "@pulumi/aws";
import * as ecrReplication from "@pulumi/ecr-replication";

// One provider per account, pinned to it. The source uses a profile; the destination assumes a role.
const source = new aws.Provider("source", {
    region: "us-east-1",
    profile: "ecr-source",
    allowedAccountIds: ["111111111111"],
});
const destination = new aws.Provider("destination-222222222222", {
    region: "us-west-2",
    allowedAccountIds: ["222222222222"],
    assumeRoles: [{ roleArn: "arn:aws:iam::222222222222:role/ecr-replication-deployer" }],
});

const images = new ecrReplication.EcrReplication("images", {
    sourceProvider: source,
    sourceAccountId: "111111111111",
    sourceRegion: "us-east-1",
    destinations: [
        { provider: destination, accountId: "222222222222", regions: ["us-west-2", "eu-west-1"] },
        // Same account, another region: no registry policy is needed there.
        { provider: source, accountId: "111111111111", regions: ["us-west-2"] },
    ],
    repositoryPrefixes: ["prod/", "shared/"],
    repositorySettings: {
        imageTagMutability: "IMMUTABLE",
        scanOnPush: true,
        expireUntaggedAfterDays: 14,
        keepLastImages: 200,
        tags: { team: "platform" },
    },
});

export const sourceRegistry = images.sourceRegistry;
export const destinationRegistries = images.destinationRegistries;
export const replicationRules = images.replicationRules;
export const registryPolicies = images.registryPolicies;
